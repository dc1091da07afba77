//! Tests of the map stage.

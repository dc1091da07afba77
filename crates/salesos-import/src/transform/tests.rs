//! Tests of the transform stage.

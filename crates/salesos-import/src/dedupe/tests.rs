//! Tests of the dedupe stage.

//! PLACEHOLDER: being written.

use crate::{EvalError, Report};
use std::path::Path;

pub fn evaluate(dir: &Path, split: &str) -> Result<Report, EvalError> {
    Err(EvalError::data(
        dir,
        format!("evaluation of split {split} is not written yet"),
    ))
}

pub fn train(dir: &Path, out: &Path) -> Result<Report, EvalError> {
    Err(EvalError::data(
        dir,
        format!("training into {} is not written yet", out.display()),
    ))
}

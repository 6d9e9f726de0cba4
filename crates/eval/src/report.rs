//! A report: a titled table of lines for people and named metrics for tests.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub title: String,
    pub lines: Vec<String>,
    pub metrics: BTreeMap<String, f64>,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Report {
        Report {
            title: title.into(),
            ..Report::default()
        }
    }
    pub fn line(mut self, line: impl Into<String>) -> Report {
        self.lines.push(line.into());
        self
    }
    pub fn push_line(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }
    pub fn metric(mut self, name: &str, value: f64) -> Report {
        self.metrics.insert(name.to_string(), value);
        self
    }
    pub fn set(&mut self, name: &str, value: f64) {
        self.metrics.insert(name.to_string(), value);
    }
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics.get(name).copied()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.title)?;
        for l in &self.lines {
            writeln!(f, "{l}")?;
        }
        Ok(())
    }
}

/// Precision, recall and F1 from counts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prf {
    pub tp: f64,
    pub fp: f64,
    pub fn_: f64,
}

impl Prf {
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0.0 {
            0.0
        } else {
            self.tp / (self.tp + self.fp)
        }
    }
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0.0 {
            0.0
        } else {
            self.tp / (self.tp + self.fn_)
        }
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    pub fn add(&mut self, other: Prf) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

//! Errors of the two phases: parsing a template (deployment time) and rendering it (per request).
//!
//! API Gateway answers `500 Internal server error` when a mapping template cannot be
//! transformed; the data plane maps both error types to that response.

use thiserror::Error;

/// A template that is not valid Velocity Template Language.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based line of the offending character.
    pub line: usize,
    /// 1-based column (in characters) of the offending character.
    pub column: usize,
    /// What the parser expected or found.
    pub message: String,
}

impl ParseError {
    /// Builds an error at byte offset `pos` of `src`.
    pub(crate) fn at(src: &str, pos: usize, message: impl Into<String>) -> Self {
        let pos = pos.min(src.len());
        let mut line = 1;
        let mut column = 1;
        for (i, c) in src.char_indices() {
            if i >= pos {
                break;
            }
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        Self {
            line,
            column,
            message: message.into(),
        }
    }
}

/// Why a parsed template could not be rendered against a request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    /// More evaluation steps than [`crate::Limits::max_steps`]; guards against runaway templates.
    #[error("template evaluation exceeded {limit} steps")]
    TooManySteps {
        /// The limit that was hit.
        limit: u64,
    },
    /// The output (or a string built by the template) grew past [`crate::Limits::max_output`].
    #[error("template output exceeded {limit} bytes")]
    OutputTooLarge {
        /// The limit that was hit.
        limit: usize,
    },
    /// Macro, `#define` or value nesting deeper than [`crate::Limits::max_depth`].
    #[error("template nesting exceeded depth {limit}")]
    TooDeep {
        /// The limit that was hit.
        limit: usize,
    },
    /// A Java method failed the way Java would throw (index out of range, bad regex, bad base64 …).
    #[error("line {line}, column {column}: {message}")]
    Method {
        /// 1-based line of the reference.
        line: usize,
        /// 1-based column of the reference.
        column: usize,
        /// What went wrong.
        message: String,
    },
}

//! # apigw-vtl: API Gateway mapping templates, rendered as AWS renders them
//!
//! API Gateway transforms REST API payloads with [Apache Velocity] 1.7 templates: integration
//! request and response templates, gateway response templates and authorizer mappings
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html>).
//! This crate is a Velocity engine for that purpose, with API Gateway's variables (`$input`,
//! `$util`, `$context`, `$stageVariables`) built in.
//!
//! Templates are parsed once ([`Template::parse`], at deployment) and rendered per request
//! ([`Template::render`]). A [`Template`] is immutable, `Send + Sync`, and cheap to share in an
//! `Arc`; rendering keeps all state in the call.
//!
//! ```
//! use apigw_vtl::{Context, Template};
//!
//! let template = Template::parse(
//!     "#set($root = $input.path('$'))\n\
//!      {\"name\": \"$root.name\", \"tags\": $input.json('$.tags')}\n\
//!      #set($context.responseOverride.status = 201)",
//! )?;
//! let mut ctx = Context::with_body(r#"{"name": "Rex", "tags": ["good", "dog"]}"#);
//! ctx.params.header.push(("X-Trace".into(), "abc".into()));
//!
//! let rendered = template.render(&ctx)?;
//! assert_eq!(rendered.output, "{\"name\": \"Rex\", \"tags\": [\"good\",\"dog\"]}\n");
//! assert_eq!(rendered.response_override.status, Some(201));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What AWS does, and so this engine does, where plain Velocity differs:
//! - a reference that resolves to nothing renders as empty text (Velocity echoes `$foo`);
//! - maps print Java-style (`{a=b, c=d}`); arrays read from the payload print as compact JSON;
//!   `$input.json(...)` returns compact JSON text;
//! - `$input.body` of an empty payload is `{}`; a `$input.path(...)` miss is null, a
//!   `$input.json(...)` miss is `""`;
//! - `null == ""` is true; `#foreach` stops after 1,000 iterations;
//! - objects of `$context` print as empty text.
//!
//! [Apache Velocity]: https://velocity.apache.org/engine/1.7/user-guide.html

#![warn(missing_docs)]

mod ast;
mod context;
mod error;
mod json;
mod jsonpath;
mod parser;
mod render;
mod util;
mod value;

use std::collections::HashMap;
use std::fmt;

pub use context::{Context, Params, Rendered, RequestOverride, ResponseOverride};
pub use error::{ParseError, RenderError};
pub use render::Limits;

/// A parsed mapping template.
pub struct Template {
    pub(crate) src: Box<str>,
    pub(crate) root: ast::Block,
    pub(crate) names: Vec<Box<str>>,
    pub(crate) defines: Vec<ast::Block>,
    pub(crate) macros: HashMap<Box<str>, ast::MacroDef>,
    /// Number of property accesses (member position hint slots of a render).
    pub(crate) props: usize,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("src", &self.src)
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Parses `src` as a Velocity 1.7 template.
    ///
    /// # Errors
    /// [`ParseError`] with the line and column of the first syntax error: an unclosed `#if`,
    /// `#foreach`, `#define` or `#macro`, a stray `#end`/`#else`, an unterminated string or
    /// comment, a malformed expression, or an unsupported directive (`#include`, `#parse`,
    /// `#evaluate`).
    pub fn parse(src: &str) -> Result<Self, ParseError> {
        let mut parsed = parser::parse(src)?;
        ast::fuse(&mut parsed.root);
        parsed.shared.defines.iter_mut().for_each(ast::fuse);
        parsed
            .shared
            .macros
            .values_mut()
            .for_each(|m| ast::fuse(&mut m.body));
        Ok(Self {
            src: src.into(),
            root: parsed.root,
            names: parsed.shared.names,
            defines: parsed.shared.defines,
            macros: parsed.shared.macros,
            props: parsed.shared.props,
        })
    }

    /// The template text this was parsed from.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Renders the template for one request with the default [`Limits`].
    ///
    /// # Errors
    /// [`RenderError`] when a limit is exceeded or a Java method fails as it would on AWS
    /// (index out of range, invalid regex, invalid base64 or JSON passed to `$util`).
    pub fn render(&self, ctx: &Context) -> Result<Rendered, RenderError> {
        render::render(self, ctx, &Limits::default(), true)
    }

    /// Renders the template with explicit [`Limits`].
    ///
    /// # Errors
    /// As [`Template::render`].
    pub fn render_with_limits(
        &self,
        ctx: &Context,
        limits: &Limits,
    ) -> Result<Rendered, RenderError> {
        render::render(self, ctx, limits, true)
    }

    /// Renders as [`Template::render_with_limits`] without the fast paths (compiled loop
    /// bodies, JSON printed or compared in place): the reference the fast paths must match,
    /// for differential tests. Same output, overrides, errors and step counts; only slower.
    ///
    /// # Errors
    /// As [`Template::render`].
    #[doc(hidden)]
    pub fn render_reference(
        &self,
        ctx: &Context,
        limits: &Limits,
    ) -> Result<Rendered, RenderError> {
        render::render(self, ctx, limits, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_send_sync() {
        fn is<T: Send + Sync>() {}
        is::<Template>();
        is::<std::sync::Arc<Template>>();
    }
}

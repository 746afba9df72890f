//! Integration tests of `apigw-vtl`: Velocity semantics, AWS documentation examples, behaviour
//! recorded against AWS, limits and property tests. One binary links faster than several.

mod aws_docs;
mod aws_recorded;
mod differential;
mod limits;
mod props;
mod semantics;

use apigw_vtl::{Context, Template};

/// Renders `template` against `ctx`, panicking with the template on failure.
pub fn render(template: &str, ctx: &Context) -> String {
    let t = Template::parse(template).unwrap_or_else(|e| panic!("parse {template:?}: {e}"));
    t.render(ctx)
        .unwrap_or_else(|e| panic!("render {template:?}: {e}"))
        .output
}

/// Renders with an empty request.
pub fn render_empty(template: &str) -> String {
    render(template, &Context::default())
}

/// A context with the given body and some parameters, used by the `$input` tests.
pub fn request(body: &str) -> Context {
    let mut ctx = Context::with_body(body);
    ctx.params.path.push(("id".into(), "1".into()));
    ctx.params.querystring.push(("id".into(), "2".into()));
    ctx.params.querystring.push(("q".into(), "x y".into()));
    ctx.params.header.push(("X-Key".into(), "k".into()));
    ctx
}

/// Parses JSON or panics with the text.
pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// A context whose `$context` is the given JSON object.
pub fn ctx_with(context: serde_json::Value) -> Context {
    Context {
        context: context.as_object().cloned().unwrap_or_default(),
        ..Context::default()
    }
}

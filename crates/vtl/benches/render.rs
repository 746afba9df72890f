//! Renders a 40-line realistic response template against a ~10 KB JSON body.

use apigw_vtl::{Context, Template};
use criterion::{criterion_group, criterion_main, Criterion};

/// A realistic integration response template (40 lines).
const TEMPLATE: &str = r#"#set($root = $input.path('$'))
#set($orders = $root.orders)
{
  "requestId": "$context.requestId",
  "stage": "$context.stage",
  "sourceIp": "$context.identity.sourceIp",
  "customer": {
    "id": "$util.escapeJavaScript($root.customer.id)",
    "name": "$util.escapeJavaScript($root.customer.name)",
    "tier": "$root.customer.tier.toUpperCase()"
  },
  "traceHeader": "$input.params('X-Amzn-Trace-Id')",
  "count": $orders.size(),
  "orders": [
#foreach($order in $orders)
    {
      "id": "$order.id",
      "status": "$order.status",
#if($order.status == "shipped")
      "tracking": "$order.tracking",
#elseif($order.status == "cancelled")
      "reason": "$util.escapeJavaScript($order.reason).replaceAll("\\'","'")",
#end
      "total": $order.total,
      "items": [
#foreach($item in $order.items)
        {"sku": "$item.sku", "qty": $item.qty, "price": $item.price}#if($foreach.hasNext),#end

#end
      ]
    }#if($foreach.hasNext),#end

#end
  ],
  "tags": $input.json('$.customer.tags'),
  "env": "$stageVariables.env"
}
#if($orders.size() == 0)
#set($context.responseOverride.status = 404)
#end
"#;

fn body() -> String {
    let mut orders = Vec::new();
    for i in 0..24 {
        let status = ["shipped", "cancelled", "pending"][i % 3];
        let items: Vec<String> = (0..3)
            .map(|k| {
                format!(
                    r#"{{"sku": "SKU-{i}-{k}", "qty": {}, "price": {}.99, "description": "Item number {k} of order {i}"}}"#,
                    k + 1,
                    10 + k
                )
            })
            .collect();
        orders.push(format!(
            r#"{{"id": "order-{i:04}", "status": "{status}", "tracking": "1Z999AA1012345678{i}", "reason": "Customer's request", "total": {}.5, "items": [{}]}}"#,
            100 + i,
            items.join(", ")
        ));
    }
    format!(
        r#"{{"customer": {{"id": "c-123", "name": "Jane \"JD\" Doe", "tier": "gold", "tags": ["vip", "eu", "beta"]}}, "orders": [{}]}}"#,
        orders.join(", ")
    )
}

fn bench(c: &mut Criterion) {
    assert_eq!(TEMPLATE.lines().count(), 40);
    let template = Template::parse(TEMPLATE).expect("template parses");
    let mut ctx = Context::with_body(body());
    assert!(
        (9_000..12_000).contains(&ctx.body.len()),
        "body is {} bytes",
        ctx.body.len()
    );
    ctx.params
        .header
        .push(("X-Amzn-Trace-Id".into(), "Root=1-abc".into()));
    ctx.stage_variables.push(("env".into(), "prod".into()));
    ctx.context = serde_json::json!({
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "stage": "prod",
        "identity": {"sourceIp": "192.0.2.1", "userAgent": "curl/8"}
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let out = template.render(&ctx).expect("renders").output;
    serde_json::from_str::<serde_json::Value>(&out).expect("output is JSON");

    c.bench_function("render 40-line template, 10 KB body", |b| {
        b.iter(|| {
            template
                .render(std::hint::black_box(&ctx))
                .expect("renders")
        })
    });
    c.bench_function("parse 40-line template", |b| {
        b.iter(|| Template::parse(std::hint::black_box(TEMPLATE)).expect("parses"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

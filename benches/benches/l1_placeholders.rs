#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! L1 of ../shared/BENCHMARKS.md: run-time `?` placeholder rewriting of a 2 KB statement
//! (`Dialect::rewrite_placeholders`, what `db.query(text)` does with its text before it runs),
//! in bytes per second for each dialect (`L1_rewrite/<backend>`); and `sql!` against a
//! `&'static str` constant (`L1_sql_macro/<backend>`): `sql_macro` builds the same statement
//! with `sql!` (rewritten for every dialect when the program compiled) and picks the
//! dialect's text, `static_str` builds `db.query(CONSTANT)` with the same arguments, and
//! `static_str_rewritten` adds the rewrite that such a query runs before it is sent. No
//! server is involved: nothing is executed.
//!
//! ```sh
//! cargo bench -p benches --bench l1_placeholders
//! ```

use std::hint::black_box;
use std::time::Duration;

use benches::backend_name;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dal::query::Dialect;
use dal::types::{DateTime, Utc};

/// The statement: a reporting query of 2,051 bytes with 8 parameters and `?` in comments
/// and string literals (which are not parameters). The `sql!` call below holds the same text
/// (`sql!` takes a literal, not a constant); a check at start-up compares them.
const STATEMENT: &str = "/* L1: a reporting query of about 2 KB; a ? in a comment is not a parameter */\n\
    SELECT o.id, o.customer_id, o.status, o.total_cents, o.currency, o.created_at, o.updated_at,\n\
    c.name AS customer_name, c.email AS customer_email, c.country, c.city, c.postcode,\n\
    COALESCE(c.phone, 'unknown?') AS phone, COALESCE(c.company, '') AS company,\n\
    COALESCE(o.shipping_cents, 0) + COALESCE(o.tax_cents, 0) AS extra_cents,\n\
    CASE WHEN c.vip = 1 THEN 'vip' WHEN c.orders_count > 10 THEN 'regular' ELSE 'new' END AS tier,\n\
    CASE WHEN o.status = 'shipped' THEN 'on its way?' WHEN o.status = 'paid' THEN 'soon'\n\
    WHEN o.status = 'new' THEN 'waiting for payment' ELSE 'see support' END AS state_text,\n\
    SUM(i.quantity) AS items, SUM(i.quantity * i.unit_cents) AS items_cents,\n\
    COUNT(DISTINCT i.product_id) AS products, MAX(i.unit_cents) AS dearest_cents,\n\
    MIN(i.unit_cents) AS cheapest_cents, AVG(i.unit_cents) AS mean_cents\n\
    FROM orders AS o\n\
    JOIN customers AS c ON c.id = o.customer_id\n\
    LEFT JOIN order_items AS i ON i.order_id = o.id -- items may be missing? then zero\n\
    LEFT JOIN products AS p ON p.id = i.product_id AND p.discontinued = 'no?'\n\
    WHERE o.customer_id = ?\n\
    AND o.status <> 'cancelled?'\n\
    AND o.created_at >= ? AND o.created_at < ?\n\
    AND c.name LIKE ? -- a pattern such as 'Ada%'\n\
    AND (c.email = ? OR c.email IS NULL)\n\
    AND o.note NOT LIKE '%what? why? who?%'\n\
    AND o.channel IN ('web', 'app', 'phone', 'shop', 'partner') -- which channel? all of them\n\
    AND (o.coupon IS NULL OR o.coupon NOT IN ('TEST', 'QA?', 'STAGING'))\n\
    AND c.country IN ('GB', 'FR', 'DE', 'NL', 'BE', 'IT', 'ES', 'PT', 'IE', 'DK', 'SE', 'NO')\n\
    AND p.name NOT LIKE '%?%' /* product names with a question mark are test data */\n\
    GROUP BY o.id, o.customer_id, o.status, o.total_cents, o.currency, o.created_at,\n\
    o.updated_at, c.name, c.email, c.country, c.city, c.postcode, c.phone, c.company,\n\
    o.shipping_cents, o.tax_cents, c.vip, c.orders_count\n\
    HAVING SUM(i.quantity) > ?\n\
    AND SUM(i.quantity * i.unit_cents) BETWEEN 0 AND 100000000\n\
    AND COUNT(DISTINCT i.product_id) >= 1\n\
    ORDER BY o.created_at DESC, o.id ASC\n\
    LIMIT ? OFFSET ?";

/// Parameters in [`STATEMENT`].
const PARAMS: usize = 8;

/// The statement built with `sql!` and its 8 arguments.
fn with_macro(from: DateTime<Utc>, to: DateTime<Utc>) -> dal::query::SqlQuery {
    dal::sql!(
        "/* L1: a reporting query of about 2 KB; a ? in a comment is not a parameter */\n\
        SELECT o.id, o.customer_id, o.status, o.total_cents, o.currency, o.created_at, o.updated_at,\n\
        c.name AS customer_name, c.email AS customer_email, c.country, c.city, c.postcode,\n\
        COALESCE(c.phone, 'unknown?') AS phone, COALESCE(c.company, '') AS company,\n\
        COALESCE(o.shipping_cents, 0) + COALESCE(o.tax_cents, 0) AS extra_cents,\n\
        CASE WHEN c.vip = 1 THEN 'vip' WHEN c.orders_count > 10 THEN 'regular' ELSE 'new' END AS tier,\n\
        CASE WHEN o.status = 'shipped' THEN 'on its way?' WHEN o.status = 'paid' THEN 'soon'\n\
        WHEN o.status = 'new' THEN 'waiting for payment' ELSE 'see support' END AS state_text,\n\
        SUM(i.quantity) AS items, SUM(i.quantity * i.unit_cents) AS items_cents,\n\
        COUNT(DISTINCT i.product_id) AS products, MAX(i.unit_cents) AS dearest_cents,\n\
        MIN(i.unit_cents) AS cheapest_cents, AVG(i.unit_cents) AS mean_cents\n\
        FROM orders AS o\n\
        JOIN customers AS c ON c.id = o.customer_id\n\
        LEFT JOIN order_items AS i ON i.order_id = o.id -- items may be missing? then zero\n\
        LEFT JOIN products AS p ON p.id = i.product_id AND p.discontinued = 'no?'\n\
        WHERE o.customer_id = ?\n\
        AND o.status <> 'cancelled?'\n\
        AND o.created_at >= ? AND o.created_at < ?\n\
        AND c.name LIKE ? -- a pattern such as 'Ada%'\n\
        AND (c.email = ? OR c.email IS NULL)\n\
        AND o.note NOT LIKE '%what? why? who?%'\n\
        AND o.channel IN ('web', 'app', 'phone', 'shop', 'partner') -- which channel? all of them\n\
        AND (o.coupon IS NULL OR o.coupon NOT IN ('TEST', 'QA?', 'STAGING'))\n\
        AND c.country IN ('GB', 'FR', 'DE', 'NL', 'BE', 'IT', 'ES', 'PT', 'IE', 'DK', 'SE', 'NO')\n\
        AND p.name NOT LIKE '%?%' /* product names with a question mark are test data */\n\
        GROUP BY o.id, o.customer_id, o.status, o.total_cents, o.currency, o.created_at,\n\
        o.updated_at, c.name, c.email, c.country, c.city, c.postcode, c.phone, c.company,\n\
        o.shipping_cents, o.tax_cents, c.vip, c.orders_count\n\
        HAVING SUM(i.quantity) > ?\n\
        AND SUM(i.quantity * i.unit_cents) BETWEEN 0 AND 100000000\n\
        AND COUNT(DISTINCT i.product_id) >= 1\n\
        ORDER BY o.created_at DESC, o.id ASC\n\
        LIMIT ? OFFSET ?",
        42_i64,
        from,
        to,
        "Ada%",
        "ada@example.com",
        2_i64,
        50_i64,
        0_i64
    )
}

fn l1(c: &mut Criterion) {
    let dialects = [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql];
    for d in dialects {
        let rewritten = d.rewrite_placeholders(STATEMENT).expect("the statement lexes");
        assert_eq!(rewritten.params, PARAMS, "{d}: parameters");
        let mut g = c.benchmark_group(format!("L1_rewrite/{}", backend_name(d)));
        g.throughput(Throughput::Bytes(STATEMENT.len() as u64));
        g.bench_function("rewrite_placeholders", |b| {
            b.iter(|| d.rewrite_placeholders(black_box(STATEMENT)).expect("rewrite"));
        });
        g.finish();
    }

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    // Only a handle to build queries on: `db.query` needs one; nothing runs on it.
    let db = rt.block_on(dal::Database::connect("sqlite::memory:")).expect("connect");
    let (from, to) = (Utc::now(), Utc::now());
    assert_eq!(with_macro(from, to).sql().source, STATEMENT, "the sql! text is STATEMENT's");
    for d in dialects {
        let native = d.rewrite_placeholders(STATEMENT).expect("rewrite").sql;
        assert_eq!(with_macro(from, to).sql().for_dialect(d).expect("text"), native);
        let mut g = c.benchmark_group(format!("L1_sql_macro/{}", backend_name(d)));
        g.bench_function("sql_macro", |b| {
            b.iter(|| {
                let q = with_macro(black_box(from), black_box(to));
                black_box(q.sql().for_dialect(d).expect("text"));
                q
            });
        });
        g.bench_function("static_str", |b| {
            b.iter(|| {
                db.query(black_box(STATEMENT))
                    .bind(42_i64)
                    .bind(black_box(from))
                    .bind(black_box(to))
                    .bind("Ada%")
                    .bind("ada@example.com")
                    .bind(2_i64)
                    .bind(50_i64)
                    .bind(0_i64)
            });
        });
        g.bench_function("static_str_rewritten", |b| {
            b.iter(|| {
                let q = db
                    .query(black_box(STATEMENT))
                    .bind(42_i64)
                    .bind(black_box(from))
                    .bind(black_box(to))
                    .bind("Ada%")
                    .bind("ada@example.com")
                    .bind(2_i64)
                    .bind(50_i64)
                    .bind(0_i64);
                black_box(d.rewrite_placeholders(STATEMENT).expect("rewrite"));
                q
            });
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = l1
}
criterion_main!(benches);

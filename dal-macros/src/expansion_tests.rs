//! Snapshots of what each macro expands to, pretty-printed: the reading `cargo expand` gives.

use proc_macro2::TokenStream;
use quote::quote;

fn pretty(tokens: TokenStream) -> String {
    // Macro output that is an expression (sql!) is wrapped in a function to print it.
    let file = syn::parse2::<syn::File>(tokens.clone())
        .unwrap_or_else(|_| syn::parse_quote!(fn expansion() { #tokens }));
    prettyplease::unparse(&file)
}

#[test]
fn auto_transaction_expansion() {
    let out = crate::transaction::expand(
        quote!(isolation = "serializable", retry = 2, timeout = "5s"),
        quote! {
            async fn transfer(db: &Database, from: i64, to: i64) -> Result<(), AppError> {
                move_money(db, from, to).await?;
                Ok(())
            }
        },
    )
    .expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn auto_transaction_service_method_expansion() {
    let out = crate::transaction::expand(
        quote!(requires_new, tags(route = "/orders")),
        quote! {
            async fn place(&self, item: &str) -> Result<(), AppError> {
                self.stock.reserve(item).await?;
                Ok(())
            }
        },
    )
    .expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn sql_expansion() {
    let out = crate::sql::expand(quote!(
        ::dal;
        "SELECT id FROM users WHERE age > ? AND name <> ? AND note = '?'",
        18,
        name
    ))
    .expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn track_slow_expansion() {
    let out = crate::slow::expand(
        quote!(threshold = "2s"),
        quote! {
            async fn report(db: &Database) -> Result<(), Error> { build(db).await }
        },
    )
    .expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn entity_expansion() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[dal(table = "users")]
        struct User { #[dal(id)] id: Uuid, name: String, age: Option<i32> }
    };
    let out = crate::entity::expand(&input).expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn entity_with_constraints_expansion() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[dal(table = "accounts", unique(shop, number))]
        struct Account {
            #[dal(id)]
            id: Uuid,
            #[dal(unique, max_length = 320)]
            email: String,
            shop: String,
            number: i32,
            #[dal(default = "open", index)]
            status: String,
            #[dal(default = 10)]
            limit: i16,
        }
    };
    let out = crate::entity::expand(&input).expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn entity_with_relations_expansion() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[dal(table = "orders", has_many(items = Item::ORDER))]
        struct Order {
            #[dal(id)] id: Uuid,
            #[dal(references = Customer, on_delete = "cascade")] customer_id: Uuid,
            total: i64,
        }
    };
    let out = crate::entity::expand(&input).expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn newtype_value_expansion() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[dal(id)]
        struct AccountId(Uuid);
    };
    let out = crate::value::expand(&input).expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn text_enum_value_expansion() {
    let input: syn::DeriveInput = syn::parse_quote! {
        enum Status {
            Draft,
            PendingPayment,
            #[dal(rename = "done")]
            Shipped,
        }
    };
    let out = crate::value::expand(&input).expect("expands");
    insta::assert_snapshot!(pretty(out));
}

#[test]
fn integer_enum_value_expansion() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[dal(repr = "i16")]
        enum Priority {
            Low = -1,
            Normal = 0,
            Urgent = 10,
        }
    };
    let out = crate::value::expand(&input).expect("expands");
    insta::assert_snapshot!(pretty(out));
}

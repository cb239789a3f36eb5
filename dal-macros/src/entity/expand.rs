//! Emits the `Entity` implementation: per-dialect SQL constants (readable in `cargo expand`),
//! the row mapping, and the id accessors. Runtime items are reached only through
//! `<dal>::__private`; type-dependent code is spanned at the field so type errors land there.

use dal_sql::Dialect;
use dal_sql::default::DefaultValue;
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::Model;
use super::sql::{self, DdlPart, Field};

pub(crate) fn entity(m: &Model<'_>) -> TokenStream {
    let krate = &m.krate;
    let p = quote!(#krate::__private);
    let ident = m.ident;
    let table = m.table.as_str();
    let column_names = m.all_columns().map(|c| c.name.as_str());
    let id_field = m.id.field;
    let id_ty = m.id.ty;
    let id_ty_spanned = quote_spanned!(id_ty.span()=> #id_ty);

    let dialect_consts = Dialect::ALL.map(|d| statements_const(m, d, &p));
    let name = ident.to_string();
    let (soft_delete, history) = (m.soft_delete, m.history);
    let r = m.roles;
    let untracked: Vec<usize> =
        [r.version, r.created_at, r.updated_at].into_iter().flatten().collect();
    let role_methods = role_methods(m, &p);
    let deleted_at = match m.roles.deleted_at {
        Some(i) if m.soft_delete => {
            let name = m.columns[i].name.as_str();
            quote!(#p::Option::Some(#name))
        }
        _ => quote!(#p::Option::None),
    };
    let version_column = match m.roles.version {
        Some(i) => {
            let name = m.columns[i].name.as_str();
            quote!(#p::Option::Some(#name))
        }
        None => quote!(#p::Option::None),
    };
    let patch = patch_struct(m, &p);
    let column_consts = m.all_columns().map(|c| {
        let field = c.field.to_string();
        let konst = format_ident!("{}", field.trim_start_matches("r#").to_uppercase());
        let (name, ty) = (c.name.as_str(), c.ty);
        let doc = format!("The `{name}` column, for typed filters and ordering.");
        quote_spanned! {ty.span()=>
            #[doc = #doc]
            pub const #konst: #p::ColumnRef<#ident, #ty> = #p::ColumnRef::new(#name);
        }
    });
    let relation_consts = relation_consts(m, &p);
    let indexes = m.all_indexes().map(|x| {
        let (name, unique) = (x.name().as_str(), x.is_unique());
        let columns = x.columns().iter().map(dal_sql::Ident::as_str);
        quote!(#p::TableIndex::new(#name, &[#(#columns),*], #unique))
    });
    let precision_checks = precision_checks(m, &p);
    let column_checks = column_checks(m, &p);
    let const_names = Dialect::ALL.map(dialect_const_name);
    let variants = Dialect::ALL.map(dialect_variant);

    let values = m.columns.iter().map(|c| {
        let (field, ty) = (c.field, c.ty);
        quote_spanned!(ty.span()=> <#ty as #p::Column>::encode(&self.#field))
    });
    let decoded = m.all_columns().enumerate().map(|(i, c)| {
        let (field, ty) = (c.field, c.ty);
        quote_spanned!(ty.span()=> #field: <#ty as #p::Column>::decode(row, #i)?)
    });
    let skipped = m.skipped.iter().map(|(field, ty)| {
        quote_spanned!(ty.span()=> #field: <#ty as ::core::default::Default>::default())
    });
    let sharded = m.shard_key.map(|(field, ty)| {
        let ty = quote_spanned!(ty.span()=> #ty);
        quote! {
            #[automatically_derived]
            impl #p::ShardedEntity for #ident {
                type ShardKey = #ty;

                fn shard_key(&self) -> &Self::ShardKey {
                    &self.#field
                }
            }
        }
    });

    quote! {
        #[automatically_derived]
        #[allow(dead_code, reason = "a column constant is there for the queries that want it")]
        impl #ident {
            #(#column_consts)*
            #relation_consts
        }

        #patch

        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            impl #p::Entity for #ident {
                type Id = #id_ty_spanned;

                const TYPE_NAME: &'static str = #name;
                const TABLE: &'static str = #table;
                const COLUMNS: &'static [&'static str] = &[#(#column_names),*];
                const SOFT_DELETE: bool = #soft_delete;
                const HISTORY: bool = #history;
                const UNTRACKED: &'static [usize] = &[#(#untracked),*];
                const DELETED_AT_COLUMN: #p::Option<&'static str> = #deleted_at;
                const VERSION_COLUMN: #p::Option<&'static str> = #version_column;
                const INDEXES: &'static [#p::TableIndex] = &[#(#indexes),*];

                fn statements(dialect: #p::Dialect) -> &'static #p::Statements {
                    #(#dialect_consts)*
                    match dialect {
                        #(#p::Dialect::#variants => &#const_names,)*
                    }
                }

                fn id(&self) -> &Self::Id {
                    &self.#id_field
                }

                fn set_id(&mut self, id: Self::Id) {
                    self.#id_field = id;
                }

                fn values(&self) -> #p::Vec<#p::Value<'_>> {
                    #p::vec![#(#values),*]
                }

                fn from_row(row: &#p::Row) -> #p::Result<Self> {
                    #p::Ok(#ident { #(#decoded,)* #(#skipped,)* })
                }

                #role_methods
            }

            #sharded
            #precision_checks
            #column_checks
        };
    }
}

/// Compile-time checks of what the field's type must accept: a default of the literal's kind
/// (an integer in the type's range), and `max_length` only on text. The field's type is
/// respanned to the attribute, so a mismatch is reported there.
fn column_checks(m: &Model<'_>, p: &TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    for c in &m.columns {
        let field = c.field.to_string();
        if let Some(default) = &c.default {
            let span = default.span;
            let ty = respan(&c.ty.to_token_stream(), span);
            let p = respan(p, span);
            let bound = match &default.value {
                DefaultValue::Text(_) => quote_spanned!(span=> #p::TextDefault),
                DefaultValue::Float(_) => quote_spanned!(span=> #p::FloatDefault),
                DefaultValue::Bool(_) => quote_spanned!(span=> #p::BoolDefault),
                DefaultValue::Now => quote_spanned!(span=> #p::NowDefault),
                DefaultValue::Integer(n) => {
                    let message = format!(
                        "the default {n} of `{field}` is out of its type's range: give a value the field's type holds"
                    );
                    let n = proc_macro2::Literal::i128_suffixed(*n);
                    out.extend(quote_spanned! {span=>
                        const _: () = ::core::assert!(#p::integer_default_fits::<#ty>(#n), #message);
                    });
                    continue;
                }
            };
            out.extend(quote_spanned! {span=>
                const _: () = {
                    const fn default_fits<T: ?::core::marker::Sized + #bound>() {}
                    default_fits::<#ty>()
                };
            });
        }
        if let Some((_, span)) = c.max_length {
            let ty = respan(&c.ty.to_token_stream(), span);
            let p = respan(p, span);
            out.extend(quote_spanned! {span=>
                const _: () = {
                    const fn bounded_text<T: ?::core::marker::Sized + #p::MaxLength>() {}
                    bounded_text::<#ty>()
                };
            });
        }
    }
    out
}

/// For each `#[dal(precision = …)]` field, a call that compiles only when its type is a
/// decimal (`DecimalColumn`), spanned at `precision` so the error points at the attribute.
fn precision_checks(m: &Model<'_>, p: &TokenStream) -> TokenStream {
    let checks = m.columns.iter().filter_map(|c| {
        let span = c.precision?.span;
        let (p, ty) = (respan(p, span), respan(&c.ty.to_token_stream(), span));
        Some(quote_spanned!(span=> #p::takes_precision::<#ty>();))
    });
    let checks: Vec<TokenStream> = checks.collect();
    if checks.is_empty() {
        return TokenStream::new();
    }
    quote!(const _: () = { #(#checks)* };)
}

fn dialect_variant(d: Dialect) -> syn::Ident {
    format_ident!(
        "{}",
        match d {
            Dialect::Postgres => "Postgres",
            Dialect::MySql => "MySql",
            Dialect::Sqlite => "Sqlite",
        }
    )
}

/// The identifier quote of the dialect whose constant is named `name` (`POSTGRES`, …).
fn dialect_quote(name: &syn::Ident) -> char {
    Dialect::ALL
        .into_iter()
        .find(|d| dialect_const_name(*d) == *name)
        .map_or('"', Dialect::ident_quote)
}

fn dialect_const_name(d: Dialect) -> syn::Ident {
    format_ident!("{}", d.name().to_uppercase())
}

/// `const POSTGRES: Statements = Statements { … };` for one dialect.
fn statements_const(m: &Model<'_>, d: Dialect, p: &TokenStream) -> TokenStream {
    let name = dialect_const_name(d);
    let fields = sql::generate(m, d).into_iter().map(|(field, made)| {
        let field = format_ident!("{field}");
        let value = match made {
            Field::Sql(text) => quote!(#text),
            Field::Ddl(parts) => ddl(m, &parts, &name, p),
            Field::ColumnTypes(parts) => {
                let types = parts.iter().map(|part| ddl(m, std::slice::from_ref(part), &name, p));
                quote!(&[#(#types),*])
            }
        };
        quote!(#field: #value)
    });
    quote! {
        const #name: #p::Statements = #p::Statements {
            #(#fields,)*
        };
    }
}

/// DDL parts as a compile-time string: literal text joined with the per-type constants of the
/// dialect named `dialect` (`POSTGRES`, `MYSQL`, `SQLITE`). An empty statement stays `""`.
fn ddl(m: &Model<'_>, parts: &[DdlPart], dialect: &syn::Ident, p: &TokenStream) -> TokenStream {
    match parts {
        [] => quote!(""),
        [DdlPart::Text(t)] => quote!(#t),
        [one @ (DdlPart::IdType | DdlPart::ColumnType(_) | DdlPart::IndexedColumnType(_))] => {
            part(m, one, dialect, p)
        }
        _ => {
            let parts = parts.iter().map(|one| part(m, one, dialect, p));
            quote!(#p::const_concat!(#(#parts),*))
        }
    }
}

/// One DDL part as a constant expression (several for a referenced table).
fn part(m: &Model<'_>, part: &DdlPart, dialect: &syn::Ident, p: &TokenStream) -> TokenStream {
    let key_const = format_ident!("{}_KEY", dialect);
    let id_ty = m.id.ty;
    match part {
        DdlPart::Text(t) => quote!(#t),
        DdlPart::IdKey => quote_spanned!(id_ty.span()=> <#id_ty as #p::EntityId>::#key_const),
        DdlPart::IdType => quote_spanned!(id_ty.span()=> <#id_ty as #p::Column>::#dialect),
        DdlPart::ColumnType(i) => {
            let ty = m.columns[*i].ty;
            quote_spanned!(ty.span()=> <#ty as #p::Column>::#dialect)
        }
        DdlPart::IndexedColumnType(i) => {
            let ty = m.columns[*i].ty;
            quote_spanned!(ty.span()=> <#ty as #p::Column>::MYSQL_INDEXED)
        }
        DdlPart::Nullability(i) => {
            let ty = m.columns[*i].ty;
            quote_spanned!(ty.span()=> <#ty as #p::Column>::NULLABILITY)
        }
        DdlPart::Check { column, head, tail } => {
            let ty = m.columns[*column].ty;
            let list = quote_spanned!(ty.span()=> <#ty as #p::Column>::ALLOWED_VALUES);
            quote!(#p::unless_empty(#list, #head), #list, #p::unless_empty(#list, #tail))
        }
        DdlPart::TimestampType => quote!(<#p::DateTime<#p::Utc> as #p::Column>::#dialect),
        DdlPart::OptionalTextType => quote!(<#p::Option<#p::String> as #p::Column>::#dialect),
        DdlPart::Referenced(i) => {
            let target = m.columns[*i].reference.as_ref().map(|r| &r.target);
            let q = dialect_quote(dialect);
            let (open, close) = (format!("{q}"), format!("{q} ({q}"));
            let end = format!("{q})");
            quote!(#open, <#target as #p::Entity>::TABLE, #close, <#target as #p::Entity>::COLUMNS[0], #end)
        }
    }
}

/// The relation constants: `CUSTOMER` for `#[dal(references = Customer)] customer_id`, and
/// those `has_many` / `has_one` declare. The compiler checks what the syntax cannot: the
/// target is an entity (`BelongsTo`'s bound, at `references`), the key has its id's type
/// (`ForeignKey`, at the field's type), and an inverse follows a relation pointing here
/// (the constant's type, at the path).
fn relation_consts(m: &Model<'_>, p: &TokenStream) -> TokenStream {
    let ident = m.ident;
    let mut out = TokenStream::new();
    for (i, r) in m.references() {
        let c = &m.columns[i];
        let (field, ty, name, konst) = (c.field, c.ty, c.name.as_str(), &r.relation);
        let target = &r.target;
        // Everything that needs the target to be an entity is spanned at its path, so a
        // non-entity gets its error there (once); the key's type is checked at the field.
        let at = target.span();
        let p = respan(p, at);
        let key = quote_spanned!(ty.span()=> #p::foreign_key::<#target, #ty>);
        let doc = format!(
            "The `{}` this row's `{name}` references: `find().with({ident}::{konst})` loads it, `{ident}::{konst}.matches(filter)` filters by it.",
            quote!(#target).to_string().replace(' ', "")
        );
        out.extend(quote_spanned! {at=>
            #[doc = #doc]
            pub const #konst: #p::BelongsTo<#ident, #target> =
                #p::BelongsTo::new(#name, |row: &#ident| #key(&row.#field));
        });
    }
    for inv in &m.inverses {
        let (konst, child, belongs_to) = (&inv.konst, &inv.child, &inv.belongs_to);
        let kind = if inv.many { quote!(HasMany) } else { quote!(HasOne) };
        let value = quote_spanned!(belongs_to.span()=> #p::#kind::new(#belongs_to));
        let child_text = quote!(#child).to_string().replace(' ', "");
        let doc = if inv.many {
            format!(
                "The `{child_text}` rows referencing this one: `find().with({ident}::{konst})` loads them, `{ident}::{konst}.any(filter)` filters by them."
            )
        } else {
            format!(
                "The `{child_text}` row referencing this one: `find().with({ident}::{konst})` loads it, `{ident}::{konst}.any(filter)` filters by it."
            )
        };
        out.extend(quote! {
            #[doc = #doc]
            pub const #konst: #p::#kind<#ident, #child> = #value;
        });
    }
    out
}

/// `tokens` with every token's span set to `span`: the runtime path placed where an error
/// about the item it reaches should point.
fn respan(tokens: &TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut t| {
            t.set_span(span);
            t
        })
        .collect()
}

/// The role accessors: version, timestamps, deleted_at, each through its role trait so a field
/// of the wrong type fails at the field.
fn role_methods(m: &Model<'_>, p: &TokenStream) -> TokenStream {
    let field = |i: usize| (m.columns[i].field, m.columns[i].ty);
    let mut out = TokenStream::new();
    if let Some((f, ty)) = m.roles.version.map(field) {
        out.extend(quote_spanned! {ty.span()=>
            fn version(&self) -> #p::Option<i64> {
                #p::Option::Some(<#ty as #p::VersionField>::get(&self.#f))
            }
            fn set_version(&mut self, version: i64) {
                <#ty as #p::VersionField>::set(&mut self.#f, version)
            }
        });
    }
    if let Some((f, ty)) = m.roles.created_at.map(field) {
        out.extend(quote_spanned! {ty.span()=>
            fn set_created_at(&mut self, at: #p::DateTime<#p::Utc>) {
                <#ty as #p::TimestampField>::set(&mut self.#f, at)
            }
        });
    }
    if let Some((f, ty)) = m.roles.updated_at.map(field) {
        out.extend(quote_spanned! {ty.span()=>
            fn set_updated_at(&mut self, at: #p::DateTime<#p::Utc>) {
                <#ty as #p::TimestampField>::set(&mut self.#f, at)
            }
        });
    }
    if let Some((f, ty)) = m.roles.deleted_at.map(field) {
        out.extend(quote_spanned! {ty.span()=>
            fn deleted_at(&self) -> #p::Option<#p::DateTime<#p::Utc>> {
                <#ty as #p::DeletedAtField>::get(&self.#f)
            }
            fn set_deleted_at(&mut self, at: #p::Option<#p::DateTime<#p::Utc>>) {
                <#ty as #p::DeletedAtField>::set(&mut self.#f, at)
            }
        });
    }
    out
}

/// `UserPatch`: every field the user edits, optional, and how it applies.
fn patch_struct(m: &Model<'_>, p: &TokenStream) -> TokenStream {
    let (ident, vis) = (m.ident, m.vis);
    let patch = format_ident!("{}Patch", ident);
    let plain: Vec<_> =
        (0..m.columns.len()).filter(|&i| m.is_plain(i)).map(|i| &m.columns[i]).collect();
    let fields = plain.iter().map(|c| {
        let (field, ty) = (c.field, c.ty);
        let doc = format!("The new `{field}`, when it changes.");
        quote!(#[doc = #doc] pub #field: #p::Option<#ty>)
    });
    let applies = plain.iter().map(|c| {
        let field = c.field;
        quote!(if let #p::Option::Some(value) = self.#field { entity.#field = value; })
    });
    let doc = format!(
        "Changes to some fields of [`{ident}`]: each `Some` replaces that field, the rest stay. Apply with `repo.patch(id, patch)`."
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default)]
        #[allow(dead_code, reason = "the patch type is there for the updates that want it")]
        #vis struct #patch {
            #(#fields,)*
        }

        #[automatically_derived]
        impl #p::Patch<#ident> for #patch {
            fn apply(self, entity: &mut #ident) {
                #(#applies)*
            }
        }
    }
}

//! Emits the `Entity` implementation: per-dialect SQL constants (readable in `cargo expand`),
//! the row mapping, and the id accessors. Runtime items are reached only through
//! `<dal>::__private`; type-dependent code is spanned at the field so type errors land there.

use dal_sql::Dialect;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::Model;
use super::sql::{self, DdlPart};

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

    quote! {
        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            impl #p::Entity for #ident {
                type Id = #id_ty_spanned;

                const TABLE: &'static str = #table;
                const COLUMNS: &'static [&'static str] = &[#(#column_names),*];

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
                    #p::Ok(#ident { #(#decoded),* })
                }
            }
        };
    }
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

fn dialect_const_name(d: Dialect) -> syn::Ident {
    format_ident!("{}", d.name().to_uppercase())
}

/// `const POSTGRES: Statements = Statements { … };` for one dialect.
fn statements_const(m: &Model<'_>, d: Dialect, p: &TokenStream) -> TokenStream {
    let name = dialect_const_name(d);
    let s = sql::generate(m, d);
    let (insert, insert_generated_id, update, select_by_id, delete_by_id) =
        (&s.insert, &s.insert_generated_id, &s.update, &s.select_by_id, &s.delete_by_id);
    let key_const = format_ident!("{}_KEY", name);
    let type_const = name.clone();
    let id_ty = m.id.ty;
    let ddl = s.create_table.iter().map(|part| match part {
        DdlPart::Text(t) => quote!(#t),
        DdlPart::IdKey => quote_spanned!(id_ty.span()=> <#id_ty as #p::EntityId>::#key_const),
        DdlPart::ColumnType(i) => {
            let ty = m.columns[*i].ty;
            quote_spanned!(ty.span()=> <#ty as #p::Column>::#type_const)
        }
        DdlPart::Nullability(i) => {
            let ty = m.columns[*i].ty;
            quote_spanned!(ty.span()=> <#ty as #p::Column>::NULLABILITY)
        }
    });
    quote! {
        const #name: #p::Statements = #p::Statements {
            create_table: #p::const_concat!(#(#ddl),*),
            insert: #insert,
            insert_generated_id: #insert_generated_id,
            update: #update,
            select_by_id: #select_by_id,
            delete_by_id: #delete_by_id,
        };
    }
}

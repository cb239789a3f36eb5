//! Naming rules: the default table name of a struct, and the text an enum variant is stored as.

/// `UserAccount` → `user_account`, `HTTPLog` → `http_log`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `rename_all = "…"`: how a variant's name (written in PascalCase) becomes its stored text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    /// `PendingPayment` → `pending_payment`, the default.
    Snake,
    /// `PENDING_PAYMENT`.
    ScreamingSnake,
    /// `pending-payment`.
    Kebab,
    /// `PENDING-PAYMENT`.
    ScreamingKebab,
    /// `pendingpayment`.
    Lower,
    /// `PENDINGPAYMENT`.
    Upper,
    /// `pendingPayment`.
    Camel,
    /// `PendingPayment`, as written.
    Pascal,
}

impl RenameRule {
    /// Every rule by the name `rename_all` takes (serde's names).
    pub(crate) const ALL: [(&'static str, RenameRule); 8] = [
        ("snake_case", RenameRule::Snake),
        ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
        ("kebab-case", RenameRule::Kebab),
        ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
        ("lowercase", RenameRule::Lower),
        ("UPPERCASE", RenameRule::Upper),
        ("camelCase", RenameRule::Camel),
        ("PascalCase", RenameRule::Pascal),
    ];

    pub(crate) fn from_name(name: &str) -> Option<RenameRule> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, rule)| *rule)
    }

    /// The text variant `name` is stored as under this rule.
    pub(crate) fn apply(self, name: &str) -> String {
        match self {
            RenameRule::Snake => snake_case(name),
            RenameRule::ScreamingSnake => snake_case(name).to_uppercase(),
            RenameRule::Kebab => snake_case(name).replace('_', "-"),
            RenameRule::ScreamingKebab => snake_case(name).replace('_', "-").to_uppercase(),
            RenameRule::Lower => name.to_lowercase(),
            RenameRule::Upper => name.to_uppercase(),
            RenameRule::Camel => {
                let mut chars = name.chars();
                chars
                    .next()
                    .map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
            }
            RenameRule::Pascal => name.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RenameRule, snake_case};

    #[test]
    fn renames_variants_by_each_rule() {
        let stored: Vec<String> =
            RenameRule::ALL.iter().map(|(_, rule)| rule.apply("PendingHTTPPayment")).collect();
        assert_eq!(
            stored,
            [
                "pending_http_payment",
                "PENDING_HTTP_PAYMENT",
                "pending-http-payment",
                "PENDING-HTTP-PAYMENT",
                "pendinghttppayment",
                "PENDINGHTTPPAYMENT",
                "pendingHTTPPayment",
                "PendingHTTPPayment",
            ]
        );
        assert_eq!(RenameRule::from_name("kebab-case"), Some(RenameRule::Kebab));
        assert_eq!(RenameRule::from_name("kebab_case"), None);
    }

    #[test]
    fn converts_struct_names() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("UserAccount"), "user_account");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("V2Item"), "v2_item");
    }
}

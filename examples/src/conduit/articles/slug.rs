//! Slugs: an article's name in URLs, made from its title.

use dal::types::Uuid;

/// The most characters of the title a slug keeps (the suffix comes on top), well inside the
/// slug column's length ([`MAX_KEY_CHARS`](crate::conduit::schema::MAX_KEY_CHARS)).
const MAX_TITLE_CHARS: usize = 100;

/// `title` in lower case, its runs of other characters than letters and digits as one `-`,
/// then `-` and eight hex digits of a random id: `How to train your dragon` gives
/// `how-to-train-your-dragon-3f2a9c1e`. The suffix keeps two articles with one title (or one
/// title reused after a deletion, which keeps the old slug in the history) apart without a
/// lookup; the unique index on slugs catches the one-in-four-billion collision.
pub fn slug_for(title: &str) -> String {
    let mut slug = String::new();
    let mut kept = 0;
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if kept == MAX_TITLE_CHARS {
                break;
            }
            slug.push(c);
            kept += 1;
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if !slug.is_empty() && !slug.ends_with('-') {
        slug.push('-');
    }
    let suffix = Uuid::new_v4().simple().to_string();
    slug.push_str(&suffix[..8]);
    slug
}

#[cfg(test)]
mod tests {
    use super::slug_for;

    fn stem(slug: &str) -> &str {
        &slug[..slug.len() - 8]
    }

    #[test]
    fn words_are_kept_lower_case_and_joined_by_dashes() {
        let slug = slug_for("How to train your dragon");
        assert_eq!(stem(&slug), "how-to-train-your-dragon-");
        assert!(slug[slug.len() - 8..].chars().all(|c| c.is_ascii_hexdigit()), "{slug}");
        assert_eq!(stem(&slug_for("  Ready?  Set... GO!  ")), "ready-set-go-");
        assert_eq!(stem(&slug_for("Größe & Maß")), "größe-maß-");
        assert_eq!(stem(&slug_for("?!")), "");
    }

    #[test]
    fn one_title_twice_gives_two_slugs_and_long_titles_are_cut() {
        assert_ne!(slug_for("same"), slug_for("same"));
        let long = "a".repeat(1_000);
        assert_eq!(slug_for(&long).chars().count(), 100 + 1 + 8);
    }
}

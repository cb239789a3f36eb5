//! [`TableIndex`]: an index or unique constraint an entity declares, and how the indexes an
//! existing table has are compared with them (`ensure_schema`'s drift check).

/// An index of an entity's table, unique or not, as `#[derive(Entity)]` declares it: from
/// `#[dal(index)]`, `#[dal(unique)]`, `#[dal(index(a, b))]`, `#[dal(unique(a, b))]` and each
/// foreign key (see [`Entity::INDEXES`](super::Entity::INDEXES)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableIndex {
    name: &'static str,
    columns: &'static [&'static str],
    unique: bool,
}

impl TableIndex {
    /// Used by the derive.
    #[doc(hidden)]
    pub const fn new(name: &'static str, columns: &'static [&'static str], unique: bool) -> Self {
        TableIndex { name, columns, unique }
    }

    /// The index's name (a unique constraint's too): `{table}_{columns}_key` when unique,
    /// `{table}_{columns}_idx` otherwise.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The indexed columns, in key order.
    pub const fn columns(&self) -> &'static [&'static str] {
        self.columns
    }

    /// Whether two rows may not hold the same values in these columns.
    pub const fn is_unique(&self) -> bool {
        self.unique
    }
}

/// An index as the catalog lists it: name, unique, columns in key order.
pub(super) struct FoundIndex {
    pub(super) name: String,
    pub(super) unique: bool,
    pub(super) columns: Vec<String>,
}

impl FoundIndex {
    /// One row of `Dialect::table_indexes_sql`.
    pub(super) fn from_row((name, unique, columns): (String, i64, String)) -> Self {
        let columns = columns.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect();
        FoundIndex { name, unique: unique != 0, columns }
    }
}

/// What differs between the indexes an entity declares and those a table has, one line per
/// kind of problem (empty when they match). Indexes the table has besides are left alone:
/// a database may carry its own.
pub(super) fn index_problems(declared: &[TableIndex], found: &[FoundIndex]) -> Vec<String> {
    let (mut missing, mut not_unique, mut unique, mut moved) = (vec![], vec![], vec![], vec![]);
    for want in declared {
        let columns = want.columns.join(", ");
        let Some(have) = found.iter().find(|f| f.name.eq_ignore_ascii_case(want.name)) else {
            let kind = if want.unique { "unique on" } else { "on" };
            missing.push(format!("{} ({kind} {columns})", want.name));
            continue;
        };
        let same_columns = have.columns.len() == want.columns.len()
            && have.columns.iter().zip(want.columns).all(|(h, w)| h.eq_ignore_ascii_case(w));
        if !same_columns {
            moved.push(format!(
                "{} ({columns} expected, {} found)",
                want.name,
                have.columns.join(", ")
            ));
        } else if want.unique && !have.unique {
            not_unique.push(want.name);
        } else if !want.unique && have.unique {
            unique.push(want.name);
        }
    }
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("missing indexes: {}", missing.join(", ")));
    }
    if !not_unique.is_empty() {
        problems.push(format!("indexes that should be unique: {}", not_unique.join(", ")));
    }
    if !unique.is_empty() {
        problems.push(format!(
            "unique indexes the struct does not declare unique: {}",
            unique.join(", ")
        ));
    }
    if !moved.is_empty() {
        problems.push(format!("indexes on other columns: {}", moved.join(", ")));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(name: &str, unique: bool, columns: &str) -> FoundIndex {
        FoundIndex::from_row((name.to_owned(), i64::from(unique), columns.to_owned()))
    }

    const DECLARED: &[TableIndex] = &[
        TableIndex::new("t_email_key", &["email"], true),
        TableIndex::new("t_a_b_idx", &["a", "b"], false),
        TableIndex::new("t_org_id_idx", &["org_id"], false),
    ];

    #[test]
    fn matching_indexes_and_extra_ones_are_no_drift() {
        let catalog = [
            found("t_email_key", true, "email"),
            found("T_A_B_IDX", false, "A,B"),
            found("t_org_id_idx", false, "org_id"),
            found("someone_elses", false, "c"),
        ];
        assert_eq!(index_problems(DECLARED, &catalog), Vec::<String>::new());
    }

    #[test]
    fn each_difference_names_the_index() {
        let catalog = [
            found("t_email_key", false, "email"),
            found("t_a_b_idx", false, "b,a"),
            found("t_expr", false, ""),
        ];
        assert_eq!(
            index_problems(DECLARED, &catalog),
            [
                "missing indexes: t_org_id_idx (on org_id)",
                "indexes that should be unique: t_email_key",
                "indexes on other columns: t_a_b_idx (a, b expected, b, a found)",
            ]
        );
        let unique = [found("t_org_id_idx", true, "org_id")];
        assert!(
            index_problems(&DECLARED[2..], &unique)
                == ["unique indexes the struct does not declare unique: t_org_id_idx"]
        );
    }
}

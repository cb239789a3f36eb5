//! No PG* environment variable changes a connection that the `DbConfig` did not ask for. The
//! driver (sqlx) reads them when its options are made; dal overrides every field it can and
//! refuses the variables whose effect it cannot undo. Each case runs `connect_probe` in a child
//! process, so this process's environment stays clean.

use std::process::Command;

use dal::Backend;

/// What `connect_probe` prints for `url` with `vars` set in its environment (and every PG*
/// variable of this process removed).
fn probe(url: &str, vars: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_connect_probe"));
    cmd.arg(url);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(vars.iter().copied());
    let out = cmd.output().expect("connect_probe runs");
    assert!(out.status.success(), "connect_probe failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The PostgreSQL test server's URL, or `None` (after saying why) when it is unreachable and
/// servers are not required.
fn server() -> Option<String> {
    let url = tests::server_url(Backend::Postgres).expect("a server backend");
    let clean = probe(&url, &[]);
    if clean.starts_with("ERROR Connection") || clean.starts_with("ERROR Timeout") {
        if tests::servers_required() {
            panic!("the PostgreSQL test server is unreachable: {clean}");
        }
        tests::announce(&format!("skipping the environment tests: {clean}"));
        return None;
    }
    Some(url)
}

#[test]
fn pg_variables_do_not_change_what_a_config_connects_to() {
    let Some(url) = server() else { return };
    let clean = probe(&url, &[]);
    assert!(clean.starts_with("user="), "connects without the variables: {clean}");
    let polluted = probe(
        &url,
        &[
            ("PGHOST", "10.255.255.1"),
            ("PGHOSTADDR", "10.255.255.1"),
            ("PGPORT", "1"),
            ("PGUSER", "dal_no_such_user"),
            ("PGPASSWORD", "from-the-environment"),
            ("PGDATABASE", "dal_no_such_database"),
            ("PGAPPNAME", "from_the_environment"),
            ("PGSSLMODE", "disable"),
            ("PGSSLROOTCERT", "/nonexistent/root.crt"),
        ],
    );
    assert_eq!(polluted, clean, "the same user, database, settings and encryption");
    assert!(clean.contains("application_name=\"\""), "no name unless configured: {clean}");
}

#[test]
fn pg_variables_dal_cannot_undo_are_refused_by_name() {
    let Some(url) = server() else { return };
    let with_options = probe(&url, &[("PGOPTIONS", "-c search_path=from_the_environment")]);
    assert!(
        with_options.starts_with("ERROR Config: PGOPTIONS is set in this process's environment"),
        "{with_options}"
    );
    let with_cert = probe(&url, &[("PGSSLCERT", "/nonexistent/client.crt")]);
    assert!(with_cert.starts_with("ERROR Config: PGSSLCERT is set"), "{with_cert}");
}

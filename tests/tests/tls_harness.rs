//! Proof that the TLS test servers are what they claim, checked with the command-line clients
//! only (`psql`, `mariadb`, `openssl`), not with dal: the certificates name `localhost` only,
//! plaintext is refused where it must be, certificate users need their certificate, and
//! dropping a server leaves nothing behind. The tests skip (printing why) when the programs
//! are missing, unless `DAL_REQUIRE_SERVERS=1`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tests::{
    MARIADB_PASSWORD, MARIADB_PASSWORD_USER, MARIADB_SSL_USER, MARIADB_X509_USER, MariaDbTlsServer,
    PG_CERT_USER, PG_PASSWORD, PG_PASSWORD_USER, PgTlsServer, TestCa, shared_mariadb_tls,
    shared_pg_tls,
};

/// Whether anything still listens on 127.0.0.1:`port`.
fn listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(1),
    )
    .is_ok()
}

/// `openssl x509 -noout <args>` on `cert`.
fn openssl_x509(cert: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-in"])
        .arg(cert)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("the file exists").permissions().mode() & 0o777
}

// ---------------------------------------------------------------------------- certificates

#[test]
fn test_ca_signs_a_localhost_only_server_certificate_and_client_certificates_named_after_users() {
    let ca = match TestCa::create() {
        Ok(ca) => ca,
        Err(e) if e.contains("no openssl") && !tests::servers_required() => {
            tests::announce(&format!("skipping: {e}"));
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let san = openssl_x509(&ca.server_cert(), &["-ext", "subjectAltName"]);
    let names: Vec<&str> = san.lines().skip(1).map(str::trim).collect();
    assert_eq!(names, ["DNS:localhost"], "{san}");
    let subject = openssl_x509(&ca.server_cert(), &["-subject"]);
    assert!(!subject.contains("localhost") && !subject.contains("127.0.0.1"), "{subject}");

    for user in [PG_CERT_USER, MARIADB_X509_USER] {
        let subject = openssl_x509(&ca.client_cert(user), &["-subject"]);
        assert_eq!(subject.trim(), format!("subject=CN = {user}"));
        let verify = Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(ca.ca_cert())
            .arg(ca.client_cert(user))
            .output()
            .expect("openssl verify runs");
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
        assert_eq!(mode(&ca.client_key(user)), 0o600);
    }
    // The unrelated CA must not verify what the CA signed.
    let wrong = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(ca.wrong_ca_cert())
        .arg(ca.server_cert())
        .output()
        .expect("openssl verify runs");
    assert!(!wrong.status.success(), "the wrong CA verifies the server certificate");

    for key in [ca.server_key(), ca.client_key(PG_CERT_USER)] {
        let pem = std::fs::read_to_string(&key).expect("the key is readable");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "not PKCS#8 PEM: {pem}");
        assert_eq!(mode(&key), 0o600, "{}", key.display());
    }
    let dir = ca.dir().to_owned();
    drop(ca);
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

// ------------------------------------------------------------------------------ PostgreSQL

/// `conninfo` of `server` for `user` on `test`, verifying the server with `root_cert`.
fn pg_verified(server: &PgTlsServer, host: &str, user: &str, root_cert: &Path) -> String {
    format!(
        "host={host} port={} user={user} dbname=test sslmode=verify-full sslrootcert={}",
        server.port(),
        root_cert.display()
    )
}

const PG_SSL_OF_SESSION: &str = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

#[test]
fn pg_verify_full_to_localhost_is_an_encrypted_session() {
    let Some(pg) = shared_pg_tls() else { return };
    let conninfo = pg_verified(pg, "localhost", "postgres", &pg.ca().ca_cert());
    assert_eq!(pg.psql(&conninfo, PG_SSL_OF_SESSION).expect("verify-full to localhost"), "t");
    assert_eq!(
        pg.url("someone", "test"),
        format!("postgres://someone@localhost:{}/test", pg.port())
    );
    assert_eq!(
        pg.conninfo("postgres", "test") + " sslmode=require",
        format!("host=localhost port={} user=postgres dbname=test sslmode=require", pg.port())
    );
}

#[test]
fn pg_verify_full_to_127_0_0_1_fails_hostname_verification() {
    let Some(pg) = shared_pg_tls() else { return };
    let conninfo = pg_verified(pg, "127.0.0.1", "postgres", &pg.ca().ca_cert());
    let refused = pg.psql(&conninfo, "SELECT 1").expect_err("the certificate names localhost only");
    assert!(refused.contains("does not match host name"), "{refused}");
    // The same address without hostname verification gets in, encrypted.
    let conninfo = conninfo.replace("verify-full", "verify-ca");
    assert_eq!(pg.psql(&conninfo, PG_SSL_OF_SESSION).expect("verify-ca to 127.0.0.1"), "t");
}

#[test]
fn pg_verify_full_with_the_wrong_ca_fails() {
    let Some(pg) = shared_pg_tls() else { return };
    let conninfo = pg_verified(pg, "localhost", "postgres", &pg.ca().wrong_ca_cert());
    let refused = pg.psql(&conninfo, "SELECT 1").expect_err("an unrelated CA");
    assert!(refused.contains("certificate verify failed"), "{refused}");
}

#[test]
fn pg_plaintext_is_refused_by_pg_hba() {
    let Some(pg) = shared_pg_tls() else { return };
    let conninfo = format!("{} sslmode=disable", pg.conninfo("postgres", "test"));
    let refused = pg.psql(&conninfo, "SELECT 1").expect_err("hostssl rules only");
    assert!(
        refused.contains("no pg_hba.conf entry") && refused.contains("no encryption"),
        "{refused}"
    );
}

#[test]
fn pg_cert_user_gets_in_with_its_certificate_only() {
    let Some(pg) = shared_pg_tls() else { return };
    let ca = pg.ca();
    let verified = pg_verified(pg, "localhost", PG_CERT_USER, &ca.ca_cert());
    // An explicit file that does not exist: libpq would otherwise try ~/.postgresql.
    let none = ca.dir().join("none.crt");
    let without = format!("{verified} sslcert={} sslkey={}", none.display(), none.display());
    let refused = pg.psql(&without, "SELECT 1").expect_err("no client certificate");
    assert!(refused.contains("requires a valid client certificate"), "{refused}");

    let with = |user: &str| {
        format!(
            "{verified} sslcert={} sslkey={}",
            ca.client_cert(user).display(),
            ca.client_key(user).display()
        )
    };
    // A certificate of the CA, but for another name: verify-full compares the CN (the
    // server logs why; the client hears only that authentication failed).
    let refused = pg.psql(&with(MARIADB_X509_USER), "SELECT 1").expect_err("another CN");
    let failed = format!("authentication failed for user \"{PG_CERT_USER}\"");
    assert!(refused.contains(&failed), "{refused}");

    let sql = "SELECT current_user || ' ' || client_dn FROM pg_stat_ssl \
               WHERE pid = pg_backend_pid()";
    let row = pg.psql(&with(PG_CERT_USER), sql).expect("the user's own certificate");
    assert_eq!(row, format!("{PG_CERT_USER} /CN={PG_CERT_USER}"));
}

#[test]
fn pg_password_user_needs_its_password() {
    let Some(pg) = shared_pg_tls() else { return };
    let verified = pg_verified(pg, "localhost", PG_PASSWORD_USER, &pg.ca().ca_cert());
    let refused =
        pg.psql(&format!("{verified} password=wrong"), "SELECT 1").expect_err("a wrong password");
    assert!(refused.contains("password authentication failed"), "{refused}");
    let sql = "SELECT current_user || ' ' || current_database()";
    let row = pg.psql(&format!("{verified} password={PG_PASSWORD}"), sql).expect("the password");
    assert_eq!(row, format!("{PG_PASSWORD_USER} test"));
}

#[test]
fn pg_admin_psql_goes_through_the_unix_socket() {
    let Some(pg) = shared_pg_tls() else { return };
    let row = pg
        .psql_admin("SELECT current_user || ' ' || current_database() || ' ' || (inet_client_addr() IS NULL)")
        .expect("psql_admin");
    assert_eq!(row, "postgres test true");
    let owner = pg
        .psql_admin("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'test'")
        .expect("the owner of test");
    assert_eq!(owner, PG_PASSWORD_USER);
}

#[test]
fn pg_tls_server_dropped_leaves_nothing_behind() {
    let started = Instant::now();
    let Some(pg) = PgTlsServer::start_or_skip() else { return };
    println!("a PostgreSQL server with TLS started in {:?}", started.elapsed());
    let (root, port) = (pg.root().to_owned(), pg.port());
    assert!(listening(port));
    let started = Instant::now();
    drop(pg);
    println!("and stopped in {:?}", started.elapsed());
    assert!(!root.exists(), "{} is left behind", root.display());
    assert!(!listening(port), "a server still listens on port {port}");
}

// --------------------------------------------------------------------------------- MariaDB

/// `mariadb` arguments for `user` to `host`, verifying the server with `ca_cert`.
fn my_verified(host: &str, user: &str, ca_cert: &Path) -> Vec<String> {
    vec![
        format!("--host={host}"),
        format!("--user={user}"),
        format!("--ssl-ca={}", ca_cert.display()),
        "--ssl-verify-server-cert".to_owned(),
    ]
}

/// The session's `Ssl_cipher` through `args` (empty: plaintext).
fn my_cipher(server: &MariaDbTlsServer, args: &[String]) -> Result<String, String> {
    let row = server.mariadb(args, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")?;
    match row.split_once('\t') {
        Some(("Ssl_cipher", cipher)) => Ok(cipher.to_owned()),
        _ => Err(format!("unexpected output: {row:?}")),
    }
}

#[test]
fn mariadb_verified_session_to_localhost_is_encrypted_and_root_can_go_plaintext() {
    let Some(my) = shared_mariadb_tls() else { return };
    let verified = my_verified("localhost", MARIADB_SSL_USER, &my.ca().ca_cert());
    let cipher = my_cipher(my, &verified).expect("verified to localhost");
    assert!(!cipher.is_empty(), "no cipher on a verified session");
    // The check can tell: the admin user may connect in plaintext, and then there is none.
    let plain = ["--host=127.0.0.1", "--user=root", "--skip-ssl"].map(str::to_owned);
    assert_eq!(my_cipher(my, &plain).expect("root in plaintext"), "");
    assert_eq!(my.url("someone", "test"), format!("mysql://someone@localhost:{}/test", my.port()));
}

#[test]
fn mariadb_verified_session_to_127_0_0_1_or_with_the_wrong_ca_fails() {
    let Some(my) = shared_mariadb_tls() else { return };
    let by_address = my_verified("127.0.0.1", MARIADB_SSL_USER, &my.ca().ca_cert());
    let refused =
        my.mariadb(&by_address, "SELECT 1").expect_err("the certificate names localhost only");
    assert!(refused.contains("certificate"), "{refused}");
    let wrong_ca = my_verified("localhost", MARIADB_SSL_USER, &my.ca().wrong_ca_cert());
    let refused = my.mariadb(&wrong_ca, "SELECT 1").expect_err("an unrelated CA");
    assert!(refused.contains("certificate"), "{refused}");
    // The same address with the CA but without hostname verification gets in.
    let unverified = [format!("--ssl-ca={}", my.ca().ca_cert().display())];
    let args: Vec<String> = ["--host=127.0.0.1".to_owned(), format!("--user={MARIADB_SSL_USER}")]
        .into_iter()
        .chain(unverified)
        .collect();
    assert!(!my_cipher(my, &args).expect("TLS without hostname check").is_empty());
}

#[test]
fn mariadb_ssl_user_is_refused_in_plaintext() {
    let Some(my) = shared_mariadb_tls() else { return };
    let plain = [
        "--host=localhost".to_owned(),
        format!("--user={MARIADB_SSL_USER}"),
        "--skip-ssl".to_owned(),
    ];
    let refused = my.mariadb(&plain, "SELECT 1").expect_err("REQUIRE SSL");
    assert!(refused.contains("Access denied"), "{refused}");
}

#[test]
fn mariadb_x509_user_gets_in_with_a_certificate_only() {
    let Some(my) = shared_mariadb_tls() else { return };
    let ca = my.ca();
    let verified = my_verified("localhost", MARIADB_X509_USER, &ca.ca_cert());
    let refused = my.mariadb(&verified, "SELECT 1").expect_err("REQUIRE X509 without certificate");
    assert!(refused.contains("Access denied"), "{refused}");
    let mut with = verified;
    with.push(format!("--ssl-cert={}", ca.client_cert(MARIADB_X509_USER).display()));
    with.push(format!("--ssl-key={}", ca.client_key(MARIADB_X509_USER).display()));
    let row = my.mariadb(&with, "SELECT CURRENT_USER()").expect("with the certificate");
    assert_eq!(row, format!("{MARIADB_X509_USER}@%"));
}

#[test]
fn mariadb_password_user_needs_its_password() {
    let Some(my) = shared_mariadb_tls() else { return };
    let user = format!("--user={MARIADB_PASSWORD_USER}");
    let wrong = ["--host=localhost".to_owned(), user.clone(), "--password=wrong".to_owned()];
    let refused = my.mariadb(&wrong, "SELECT 1").expect_err("a wrong password");
    assert!(refused.contains("Access denied"), "{refused}");
    let mut right = my_verified("localhost", MARIADB_PASSWORD_USER, &my.ca().ca_cert());
    right.push(format!("--password={MARIADB_PASSWORD}"));
    right.push("--database=test".to_owned());
    let row =
        my.mariadb(&right, "SELECT CONCAT(CURRENT_USER(), ' ', DATABASE())").expect("the password");
    assert_eq!(row, format!("{MARIADB_PASSWORD_USER}@% test"));
}

#[test]
fn mariadb_admin_sql_goes_through_the_unix_socket() {
    let Some(my) = shared_mariadb_tls() else { return };
    let row = my
        .admin_sql(
            "SELECT CONCAT(CURRENT_USER(), ' ', DATABASE(), ' ', @@port, ' ', @@bind_address)",
        )
        .expect("admin_sql");
    assert_eq!(row, format!("root@localhost test {} 127.0.0.1", my.port()));
    // The admin user also reaches it over TCP (what a test harness creates databases with).
    let tcp = ["--host=127.0.0.1", "--user=root"];
    assert_eq!(my.mariadb(tcp, "SELECT CURRENT_USER()").expect("root over TCP"), "root@127.0.0.1");
}

#[test]
fn mariadb_tls_server_dropped_leaves_nothing_behind() {
    let started = Instant::now();
    let Some(my) = MariaDbTlsServer::start_or_skip() else { return };
    println!("a MariaDB server with TLS started in {:?}", started.elapsed());
    let (root, port) = (my.root().to_owned(), my.port());
    assert!(listening(port));
    let started = Instant::now();
    drop(my);
    println!("and stopped in {:?}", started.elapsed());
    assert!(!root.exists(), "{} is left behind", root.display());
    assert!(!listening(port), "a server still listens on port {port}");
}

#[test]
fn server_keys_belong_to_the_server_and_client_keys_to_the_client() {
    let Some(pg) = shared_pg_tls() else { return };
    let key = std::fs::metadata(pg.ca().server_key()).expect("server key");
    let data = std::fs::metadata(pg.root()).expect("server folder");
    // The server's own files and its key belong to the same account (postgres when root).
    assert_eq!(key.uid(), data.uid());
    assert_eq!(key.mode() & 0o777, 0o600);
    let client = std::fs::metadata(pg.ca().client_key(PG_CERT_USER)).expect("client key");
    assert_eq!(client.uid(), std::fs::metadata("/proc/self").expect("/proc/self").uid());
}

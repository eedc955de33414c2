//! The configuration reference, generated from the settings themselves: the file
//! keys and their meanings from `FileSettings` (its doc comments, through its
//! schema), flags and environment variables from the command line's definition,
//! defaults from what an empty configuration resolves to. The README's table is
//! this output, checked by a test, so the two cannot drift.

use buckle::{FileSettings, Settings};
use serde_json::Value;

/// One setting as the reference shows it.
#[derive(Debug, PartialEq)]
struct Row {
    file_key: Option<String>,
    flag: Option<String>,
    env: Option<String>,
    default: String,
    meaning: String,
}

/// The reference as a Markdown table, one row per setting: the file keys in the
/// order `FileSettings` declares them, then the settings only the command line
/// or environment gives.
pub fn markdown(cli: &clap::Command) -> String {
    let mut out = String::from(
        "| file key (`buckle.toml`) | flag | environment | default | meaning |\n|---|---|---|---|---|\n",
    );
    for row in rows(cli) {
        let cell = |v: &Option<String>| v.as_deref().map(code).unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(&row.file_key),
            cell(&row.flag),
            cell(&row.env),
            row.default,
            escape(&row.meaning)
        ));
    }
    out
}

fn rows(cli: &clap::Command) -> Vec<Row> {
    // The server's own arguments (with the flattened common ones), then the
    // global ones every command takes.
    let serve = cli
        .find_subcommand("serve")
        .expect("the CLI has a serve command");
    let args: Vec<&clap::Arg> = serve
        .get_arguments()
        .chain(cli.get_arguments())
        .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
        .collect();
    let utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(schema)) =
        <FileSettings as utoipa::PartialSchema>::schema()
    else {
        panic!("FileSettings is an object")
    };
    let defaults = serde_json::to_value(Settings::defaults()).expect("settings serialize");
    // The schema's properties keep the declaration order.
    let properties = &schema.properties;
    let mut rows = Vec::new();
    for (key, property) in properties {
        let property = serde_json::to_value(property).expect("a schema serializes");
        let arg = args.iter().find(|a| a.get_id().as_str() == key);
        let default = defaults
            .get(key)
            .unwrap_or_else(|| panic!("Settings has no field for the file key {key}"));
        rows.push(Row {
            file_key: Some(key.clone()),
            flag: arg.and_then(|a| flag(a)),
            env: arg.and_then(|a| env(a)),
            default: show_default(key, default),
            meaning: sentence(
                property["description"].as_str().unwrap_or_else(|| {
                    panic!("the file key {key} has no doc comment to explain it")
                }),
            ),
        });
    }
    for arg in args
        .iter()
        .filter(|a| !properties.contains_key(a.get_id().as_str()))
    {
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| code(&v.to_string_lossy()))
            .collect();
        rows.push(Row {
            file_key: None,
            flag: flag(arg),
            env: env(arg),
            default: if defaults.is_empty() {
                "none".into()
            } else {
                defaults.join(", ")
            },
            meaning: sentence(
                &arg.get_help()
                    .map(|h| h.to_string())
                    .unwrap_or_else(|| panic!("the flag {:?} has no help", arg.get_id())),
            ),
        });
    }
    rows
}

fn flag(arg: &clap::Arg) -> Option<String> {
    arg.get_long().map(|l| format!("--{l}"))
}

fn env(arg: &clap::Arg) -> Option<String> {
    arg.get_env().map(|e| e.to_string_lossy().into_owned())
}

/// A default as written in `buckle.toml`, with lifetimes also in words.
fn show_default(key: &str, value: &Value) -> String {
    let shown = match value {
        Value::String(s) => code(s),
        Value::Null => return "none".into(),
        other => code(&other.to_string()),
    };
    match (key.ends_with("_seconds"), value.as_i64()) {
        (true, Some(n)) if n >= 60 => format!("{shown} ({})", in_words(n)),
        _ => shown,
    }
}

fn in_words(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match seconds {
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3_600 == 0 => plural(s / 3_600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

fn code(text: &str) -> String {
    format!("`{text}`")
}

/// A doc comment's lines as one line of a table cell, ending with a full stop
/// (clap drops the one a flag's help ends with).
fn sentence(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.ends_with('.') {
        line
    } else {
        format!("{line}.")
    }
}

/// A `|` would end the table cell.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Where the generated table sits in the README.
    const README_START: &str =
        "<!-- configuration reference: generated by `buckle config-reference` -->";
    const README_END: &str = "<!-- end of the configuration reference -->";

    fn readme_table() -> (String, String) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let start = readme
            .find(README_START)
            .expect("the README marks the table's start")
            + README_START.len();
        let end = readme
            .find(README_END)
            .expect("the README marks the table's end");
        (readme.clone(), readme[start..end].trim().to_string())
    }

    /// The README's table is the generated one. `BUCKLE_WRITE_README=1 cargo test
    /// -p buckle --bin buckle config_reference` writes it after a settings change.
    #[test]
    fn the_readme_table_is_the_generated_reference() {
        let generated = markdown(&crate::Cli::command());
        let (readme, table) = readme_table();
        if std::env::var_os("BUCKLE_WRITE_README").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
            let updated = readme.replacen(&table, generated.trim(), 1);
            std::fs::write(path, updated).expect("README.md written");
            return;
        }
        assert_eq!(
            table,
            generated.trim(),
            "the README's configuration table is stale: run BUCKLE_WRITE_README=1 cargo test -p buckle --bin buckle config_reference"
        );
    }

    #[test]
    fn every_file_key_flag_and_variable_has_a_row() {
        let rows = rows(&crate::Cli::command());
        let keys: Vec<&str> = rows.iter().filter_map(|r| r.file_key.as_deref()).collect();
        for key in [
            "listen",
            "database_url",
            "session_ttl_seconds",
            "credential_cache_max_mib",
        ] {
            assert!(keys.contains(&key), "{key}");
        }
        let by_key = |k: &str| {
            rows.iter()
                .find(|r| r.file_key.as_deref() == Some(k))
                .unwrap()
        };
        // A file key the command line also sets shows its flag and variable.
        let ttl = by_key("session_ttl_seconds");
        assert_eq!(ttl.flag.as_deref(), Some("--session-ttl"));
        assert_eq!(ttl.env.as_deref(), Some("BUCKLE_SESSION_TTL"));
        assert_eq!(ttl.default, "`604800` (7 days)");
        assert_eq!(by_key("listen").default, "`127.0.0.1:7070`");
        assert_eq!(by_key("extra_audiences").default, "`[]`");
        assert_eq!(by_key("allow_sign_up").default, "`false`");
        // Settings with no file key come from the command line's definition.
        let log = rows
            .iter()
            .find(|r| r.env.as_deref() == Some("BUCKLE_LOG"))
            .unwrap();
        assert_eq!(
            (log.flag.as_deref(), log.default.as_str()),
            (Some("--log"), "`info`")
        );
        let config = rows
            .iter()
            .find(|r| r.flag.as_deref() == Some("--config"))
            .unwrap();
        assert_eq!(
            (config.file_key.as_deref(), config.default.as_str()),
            (None, "none")
        );
        assert!(
            rows.iter()
                .all(|r| !r.meaning.is_empty() && !r.meaning.contains('\n'))
        );
    }

    #[test]
    fn lifetimes_are_also_in_words() {
        assert_eq!(in_words(900), "15 minutes");
        assert_eq!(in_words(86_400), "1 day");
        assert_eq!(in_words(3_600 * 5), "5 hours");
        assert_eq!(in_words(61), "61 seconds");
        assert_eq!(show_default("x_seconds", &Value::from(0)), "`0`");
        assert_eq!(show_default("x_seconds", &Value::from(5)), "`5`");
        assert_eq!(
            show_default("x_seconds", &Value::from(300)),
            "`300` (5 minutes)"
        );
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(escape("a | b"), "a \\| b");
        assert_eq!(sentence("a\n  b\tc"), "a b c.");
        assert_eq!(sentence("Done."), "Done.");
    }
}

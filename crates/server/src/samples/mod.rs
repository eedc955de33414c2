//! Sample files for an OAuth app: a small program in Python, JavaScript, Go or
//! Java that runs the app's flow against Buckle with that language's official
//! Coze SDK, zipped with its configuration and `bootstrap.sh`/`bootstrap.ps1`.
//!
//! The programs and scripts are static files (`crates/server/samples/`, one
//! program per language and flow) that read every app-specific value from
//! `coze_oauth_config.json` at run time. That file is the only one rendered,
//! by `serde_json`, so no value of the app ever lands inside source code and
//! no language's escaping rules come into play.

use buckle_core::{AppType, ClientType};
use serde::Serialize;
use std::io::Write;

/// The name of the configuration file in every sample.
pub const CONFIG_FILE: &str = "coze_oauth_config.json";
/// The private key a JWT sample reads; never in the zip (Buckle never has it).
pub const PRIVATE_KEY_FILE: &str = "private_key.pem";
/// The port the sample listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8080;
/// The redirect URI the samples are written for.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8080/callback";

/// A language a sample is written in, with its official Coze SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Python,
    Javascript,
    Go,
    Java,
}

impl Language {
    pub const ALL: [Language; 4] = [
        Language::Python,
        Language::Javascript,
        Language::Go,
        Language::Java,
    ];

    /// The spelling in addresses, forms and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Javascript => "javascript",
            Language::Go => "go",
            Language::Java => "java",
        }
    }

    pub fn parse(s: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The name people know it by, with the SDK the sample uses.
    pub fn label(self) -> &'static str {
        match self {
            Language::Python => "Python (cozepy)",
            Language::Javascript => "JavaScript (@coze/api)",
            Language::Go => "Go (coze-go)",
            Language::Java => "Java (coze-api)",
        }
    }
}

/// The OAuth flow a sample runs, decided by the app's client type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Web,
    Pkce,
    Device,
    Jwt,
}

impl Flow {
    pub fn of(client_type: ClientType) -> Flow {
        match client_type {
            ClientType::Web => Flow::Web,
            ClientType::Pkce => Flow::Pkce,
            ClientType::Device => Flow::Device,
            ClientType::Service => Flow::Jwt,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Web => "web",
            Flow::Pkce => "pkce",
            Flow::Device => "device",
            Flow::Jwt => "jwt",
        }
    }

    /// Whether the flow sends the browser back to a redirect URI.
    pub fn uses_redirect(self) -> bool {
        matches!(self, Flow::Web | Flow::Pkce)
    }
}

/// The content of `coze_oauth_config.json`, in the spirit of the Coze samples'
/// file of the same name. Never a private key; a client secret only when the
/// person entered it or had a new one made for this download.
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct SampleConfig {
    /// `web`, `pkce`, `device` or `jwt`.
    pub client_type: String,
    pub client_id: String,
    pub app_name: String,
    /// `normal` or `channel`.
    pub app_type: String,
    /// Buckle's OpenAPI base (token endpoints, `/v1/...`).
    pub coze_api_base: String,
    /// Buckle's browser-facing base (authorize and device pages): the same listener.
    pub coze_www_base: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The fingerprint of the public key whose private key signs the JWTs (`kid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_id: Option<String>,
    /// The file, beside the program, holding the private key (JWT samples).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_file: Option<String>,
    /// A web app's secret; absent from every preview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for SampleConfig {
    /// Never prints the client secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleConfig")
            .field("client_type", &self.client_type)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("public_key_id", &self.public_key_id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SampleZip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes may hold a client secret.
        write!(
            f,
            "SampleZip({}, {} bytes)",
            self.file_name,
            self.bytes.len()
        )
    }
}

/// A finished sample: the zip and the name to save it under.
pub struct SampleZip {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What goes into the configuration of `app`'s sample.
pub struct AppFacts<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub app_type: AppType,
    pub client_type: ClientType,
    pub public_url: &'a str,
    pub redirect_uri: Option<String>,
    pub public_key_id: Option<String>,
    pub client_secret: Option<String>,
}

impl SampleConfig {
    pub fn of(facts: AppFacts<'_>) -> SampleConfig {
        let flow = Flow::of(facts.client_type);
        SampleConfig {
            client_type: flow.as_str().to_string(),
            client_id: facts.client_id.to_string(),
            app_name: facts.name.to_string(),
            app_type: facts.app_type.to_string(),
            coze_api_base: facts.public_url.to_string(),
            coze_www_base: facts.public_url.to_string(),
            redirect_uri: facts.redirect_uri.filter(|_| flow.uses_redirect()),
            public_key_id: facts.public_key_id.filter(|_| flow == Flow::Jwt),
            private_key_file: (flow == Flow::Jwt).then(|| PRIVATE_KEY_FILE.to_string()),
            client_secret: facts.client_secret.filter(|_| flow == Flow::Web),
        }
    }

    pub fn flow(&self) -> Flow {
        match self.client_type.as_str() {
            "web" => Flow::Web,
            "pkce" => Flow::Pkce,
            "device" => Flow::Device,
            _ => Flow::Jwt,
        }
    }

    /// The file as written into the zip (pretty, ending with a newline).
    pub fn to_file(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// One file of a sample: its path in the zip, its text, and whether it is a
/// script to run.
pub struct SampleFile {
    pub path: String,
    pub text: String,
    pub executable: bool,
}

macro_rules! sample {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/", $path))
    };
}

fn program(language: Language, flow: Flow) -> (&'static str, &'static str) {
    use Flow::*;
    use Language::*;
    match (language, flow) {
        (Python, Web) => ("main.py", sample!("python/web.py")),
        (Python, Pkce) => ("main.py", sample!("python/pkce.py")),
        (Python, Device) => ("main.py", sample!("python/device.py")),
        (Python, Jwt) => ("main.py", sample!("python/jwt.py")),
        (Javascript, Web) => ("main.mjs", sample!("javascript/web.mjs")),
        (Javascript, Pkce) => ("main.mjs", sample!("javascript/pkce.mjs")),
        (Javascript, Device) => ("main.mjs", sample!("javascript/device.mjs")),
        (Javascript, Jwt) => ("main.mjs", sample!("javascript/jwt.mjs")),
        (Go, Web) => ("main.go", sample!("go/web.go")),
        (Go, Pkce) => ("main.go", sample!("go/pkce.go")),
        (Go, Device) => ("main.go", sample!("go/device.go")),
        (Go, Jwt) => ("main.go", sample!("go/jwt.go")),
        (Java, Web) => (JAVA_MAIN, sample!("java/Web.java")),
        (Java, Pkce) => (JAVA_MAIN, sample!("java/Pkce.java")),
        (Java, Device) => (JAVA_MAIN, sample!("java/Device.java")),
        (Java, Jwt) => (JAVA_MAIN, sample!("java/Jwt.java")),
    }
}

const JAVA_MAIN: &str = "src/main/java/sample/Main.java";

/// The files of every language beside the program: the SDK pin, the page
/// helpers, the bootstrap scripts and the README.
fn support(language: Language) -> Vec<(&'static str, &'static str, bool)> {
    match language {
        Language::Python => vec![
            ("sample_page.py", sample!("python/sample_page.py"), false),
            (
                "requirements.txt",
                sample!("python/requirements.txt"),
                false,
            ),
            ("bootstrap.sh", sample!("python/bootstrap.sh"), true),
            ("bootstrap.ps1", sample!("python/bootstrap.ps1"), false),
        ],
        Language::Javascript => vec![
            (
                "sample_page.mjs",
                sample!("javascript/sample_page.mjs"),
                false,
            ),
            ("package.json", sample!("javascript/package.json"), false),
            ("bootstrap.sh", sample!("javascript/bootstrap.sh"), true),
            ("bootstrap.ps1", sample!("javascript/bootstrap.ps1"), false),
        ],
        Language::Go => vec![
            ("go.mod", sample!("go/go.mod.txt"), false),
            ("bootstrap.sh", sample!("go/bootstrap.sh"), true),
            ("bootstrap.ps1", sample!("go/bootstrap.ps1"), false),
        ],
        Language::Java => vec![
            ("pom.xml", sample!("java/pom.xml"), false),
            ("bootstrap.sh", sample!("java/bootstrap.sh"), true),
            ("bootstrap.ps1", sample!("java/bootstrap.ps1"), false),
        ],
    }
}

/// The README of a sample: what it does and how to run it.
fn readme(language: Language, config: &SampleConfig) -> String {
    let flow = config.flow();
    let what = match flow {
        Flow::Web => {
            "runs the authorization code flow of a web app: it sends you to Buckle to sign in \
             and approve, trades the code for a token with the client secret, and can refresh it."
        }
        Flow::Pkce => {
            "runs the PKCE flow: it sends you to Buckle to sign in and approve, trades the code \
             and its code verifier for a token (no secret), and can refresh it."
        }
        Flow::Device => {
            "runs the device flow: it shows a user code and the address where you enter it, \
             waits for your approval, then shows the token and can refresh it."
        }
        Flow::Jwt => {
            "signs a JWT with your private key and trades it for a service token (AppAuth). \
             A JWT token cannot be refreshed: the page gets a new one instead."
        }
    };
    let mut text = format!(
        "# Buckle sample: {app} ({lang})\n\n\
         This program {what}\n\n\
         ## Run it\n\n\
         ```sh\nbash bootstrap.sh        # Linux, macOS\n```\n\n\
         ```powershell\n./bootstrap.ps1          # Windows PowerShell\n```\n\n\
         Then open <http://127.0.0.1:{DEFAULT_PORT}/>. The port is {DEFAULT_PORT} unless the \
         environment variable `PORT` says otherwise.\n\n\
         Everything about the app is in `{CONFIG_FILE}`.\n",
        app = config.app_name.replace(['\n', '\r'], " "),
        lang = language.label(),
    );
    if flow.uses_redirect() {
        text.push_str(
            "\nThe app's redirect URI in that file must be one the app has in Buckle, and \
             must point at this program (for example `http://127.0.0.1:8080/callback`).\n",
        );
    }
    if flow == Flow::Web {
        text.push_str(
            "\n`coze_oauth_config.json` holds the app's client secret: keep it private.\n",
        );
    }
    if flow == Flow::Jwt {
        text.push_str(&format!(
            "\nPut the app's private key, `{PRIVATE_KEY_FILE}`, beside this file first. \
             Buckle never had it, so it is not in this zip; its public key's fingerprint is \
             `public_key_id` in `{CONFIG_FILE}`.\n"
        ));
    }
    match language {
        Language::Python => text.push_str(
            "\n`bootstrap.sh` makes a virtual environment in `.venv` and installs `cozepy`; \
             with `COZE_SAMPLE_PYTHON` set to a Python that has `cozepy`, it uses that \
             instead.\n",
        ),
        Language::Javascript => text.push_str(
            "\n`bootstrap.sh` runs `npm install` (Node.js 18 or later); with \
             `COZE_SAMPLE_NODE_MODULES` set to a `node_modules` directory that has \
             `@coze/api`, it links that instead.\n",
        ),
        Language::Go => text.push_str("\n`bootstrap.sh` runs `go mod tidy` and `go run .`.\n"),
        Language::Java => text
            .push_str("\n`bootstrap.sh` runs Maven (`mvn compile exec:java`); Java 17 or later.\n"),
    }
    text
}

/// Every file of the sample for `config` in `language`, in the order of the zip.
pub fn files(language: Language, config: &SampleConfig) -> Vec<SampleFile> {
    let (program_path, program_text) = program(language, config.flow());
    let mut out = vec![
        SampleFile {
            path: "README.md".into(),
            text: readme(language, config),
            executable: false,
        },
        SampleFile {
            path: CONFIG_FILE.into(),
            text: config.to_file(),
            executable: false,
        },
        SampleFile {
            path: program_path.into(),
            text: program_text.into(),
            executable: false,
        },
    ];
    out.extend(
        support(language)
            .into_iter()
            .map(|(path, text, executable)| SampleFile {
                path: path.into(),
                text: text.into(),
                executable,
            }),
    );
    out
}

/// The folder every file of the zip sits in, and the zip's own name without `.zip`.
pub fn folder_name(language: Language, config: &SampleConfig) -> String {
    format!(
        "buckle-sample-{}-{}",
        language.as_str(),
        config.flow().as_str()
    )
}

/// The zip of `files(language, config)`, inside one folder.
pub fn zip(language: Language, config: &SampleConfig) -> std::io::Result<SampleZip> {
    let folder = folder_name(language, config);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for file in files(language, config) {
        let mode = if file.executable { 0o755 } else { 0o644 };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(mode);
        writer
            .start_file(format!("{folder}/{}", file.path), options)
            .map_err(std::io::Error::other)?;
        writer.write_all(file.text.as_bytes())?;
    }
    let bytes = writer.finish().map_err(std::io::Error::other)?.into_inner();
    Ok(SampleZip {
        file_name: format!("{folder}.zip"),
        bytes,
    })
}

/// Whether a redirect URI points at this machine, where the sample runs.
pub fn is_local_redirect(uri: &str) -> bool {
    [
        "http://127.0.0.1:",
        "http://localhost:",
        "http://127.0.0.1/",
        "http://localhost/",
    ]
    .iter()
    .any(|p| uri.starts_with(p))
}

/// The redirect URI a sample should use among the app's: the first that points
/// at this machine, else the first.
pub fn preferred_redirect(uris: &[&str]) -> Option<String> {
    uris.iter()
        .find(|u| is_local_redirect(u))
        .or_else(|| uris.first())
        .map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn config(client_type: ClientType, secret: Option<&str>) -> SampleConfig {
        SampleConfig::of(AppFacts {
            client_id: "1234.app.buckle",
            name: "My \"app\"\n</script>",
            app_type: AppType::Normal,
            client_type,
            public_url: "http://127.0.0.1:7070",
            redirect_uri: Some(DEFAULT_REDIRECT_URI.into()),
            public_key_id: Some("kid-1".into()),
            client_secret: secret.map(str::to_string),
        })
    }

    #[test]
    fn the_config_holds_only_what_the_flow_needs() {
        let web: serde_json::Value =
            serde_json::from_str(&config(ClientType::Web, Some("s3cret")).to_file()).unwrap();
        assert_eq!(web["client_secret"], "s3cret");
        assert_eq!(web["redirect_uri"], DEFAULT_REDIRECT_URI);
        assert!(web.get("public_key_id").is_none());
        let device: serde_json::Value =
            serde_json::from_str(&config(ClientType::Device, Some("s3cret")).to_file()).unwrap();
        assert!(device.get("client_secret").is_none());
        assert!(device.get("redirect_uri").is_none());
        let jwt: serde_json::Value =
            serde_json::from_str(&config(ClientType::Service, None).to_file()).unwrap();
        assert_eq!(jwt["public_key_id"], "kid-1");
        assert_eq!(jwt["private_key_file"], PRIVATE_KEY_FILE);
        assert_eq!(jwt["client_type"], "jwt");
        // A name with quotes and markup stays data: JSON escapes it.
        assert_eq!(jwt["app_name"], "My \"app\"\n</script>");
    }

    #[test]
    fn every_language_and_flow_zips_its_files_in_one_folder() {
        for language in Language::ALL {
            for ct in [
                ClientType::Web,
                ClientType::Pkce,
                ClientType::Device,
                ClientType::Service,
            ] {
                let c = config(ct, Some("s3cret"));
                let made = zip(language, &c).unwrap();
                let folder = folder_name(language, &c);
                assert_eq!(made.file_name, format!("{folder}.zip"));
                let mut archive =
                    zip::ZipArchive::new(std::io::Cursor::new(made.bytes.clone())).unwrap();
                let mut names = Vec::new();
                for i in 0..archive.len() {
                    let mut f = archive.by_index(i).unwrap();
                    let name = f.name().unwrap().to_string();
                    assert!(name.starts_with(&format!("{folder}/")), "{name}");
                    if name.ends_with("bootstrap.sh") {
                        assert_eq!(f.unix_mode().map(|m| m & 0o777), Some(0o755));
                    }
                    let mut text = String::new();
                    f.read_to_string(&mut text).unwrap();
                    assert!(!text.contains("PRIVATE KEY-----\n"), "{name}");
                    names.push(name.trim_start_matches(&format!("{folder}/")).to_string());
                }
                for must in ["README.md", CONFIG_FILE, "bootstrap.sh", "bootstrap.ps1"] {
                    assert!(
                        names.iter().any(|n| n == must),
                        "{language:?} {ct:?}: {names:?}"
                    );
                }
                assert!(!names.iter().any(|n| n == PRIVATE_KEY_FILE));
            }
        }
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let c = config(ClientType::Web, Some("s3cret"));
        assert!(!format!("{c:?}").contains("s3cret"));
        let made = zip(Language::Python, &c).unwrap();
        assert!(!format!("{made:?}").contains("s3cret"));
    }

    #[test]
    fn a_local_redirect_uri_is_preferred() {
        assert_eq!(
            preferred_redirect(&["https://app.example.com/cb", "http://localhost:8080/cb"]),
            Some("http://localhost:8080/cb".into())
        );
        assert_eq!(
            preferred_redirect(&["https://app.example.com/cb"]),
            Some("https://app.example.com/cb".into())
        );
        assert_eq!(preferred_redirect(&[]), None);
    }
}

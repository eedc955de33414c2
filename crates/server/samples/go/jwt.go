// Buckle sample: a service app's JWT flow (AppAuth), with coze-go.
//
// The program signs a JWT with private_key.pem (beside this file; Buckle never
// had it) and the public key's fingerprint as its kid, and trades it for a
// service token, shown with its expiry. A JWT token cannot be refreshed: the
// button gets a new one.
package main

import (
	"encoding/json"
	"html/template"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/coze-dev/coze-go"
)

const title = "Buckle service app sample (JWT)"

// config is coze_oauth_config.json, beside this program.
type config struct {
	ClientType     string `json:"client_type"`
	ClientID       string `json:"client_id"`
	ClientSecret   string `json:"client_secret"`
	AppName        string `json:"app_name"`
	CozeAPIBase    string `json:"coze_api_base"`
	CozeWWWBase    string `json:"coze_www_base"`
	RedirectURI    string `json:"redirect_uri"`
	PublicKeyID    string `json:"public_key_id"`
	PrivateKeyFile string `json:"private_key_file"`
}

func loadConfig() config {
	raw, err := os.ReadFile(filepath.Join(".", "coze_oauth_config.json"))
	if err != nil {
		log.Fatalf("cannot read coze_oauth_config.json: %v", err)
	}
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		log.Fatalf("cannot read coze_oauth_config.json: %v", err)
	}
	return c
}

// port is 8080 unless the environment variable PORT says otherwise.
func port() string {
	if p := os.Getenv("PORT"); p != "" {
		return p
	}
	return "8080"
}

// The page every route shows; html/template escapes every value.
var page = template.Must(template.New("page").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{.Title}}</title><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}code{word-break:break-all}dt{font-weight:bold;margin-top:.5rem}.error{color:#b00020}</style>
</head><body><h1>{{.Title}}</h1>
{{if .Error}}<p class="error" id="error">{{.Error}}</p><p><a id="again" href="/">Start again</a></p>{{end}}
{{if .LoginURL}}<p><a id="login" href="{{.LoginURL}}">Sign in with Buckle</a></p>{{end}}
{{if .UserCode}}<p>Open <a id="verification" href="{{.VerificationURL}}">{{.VerificationURI}}</a> and enter the code <strong id="user-code">{{.UserCode}}</strong>.</p><p>Waiting for your approval; this page reloads by itself.</p>{{end}}
{{if .UserID}}<p id="result"><strong>Authorization Successful</strong></p>
<dl><dt>User id</dt><dd id="user-id">{{.UserID}}</dd><dt>Nickname</dt><dd id="nickname">{{.Nickname}}</dd></dl>{{end}}
{{if .Token}}{{if not .UserID}}<p id="result"><strong>Token issued</strong></p>{{end}}
<dl><dt>Access token</dt><dd><code id="access-token">{{.Token.AccessToken}}</code></dd>
<dt>Expires</dt><dd id="expires-at">{{.Expires}}</dd>
{{if .Token.RefreshToken}}<dt>Refresh token</dt><dd><code id="refresh-token">{{.Token.RefreshToken}}</code></dd>{{end}}</dl>{{end}}
{{if .Button}}<form method="post" action="{{.Action}}"><button type="submit" id="{{.ButtonID}}">{{.Button}}</button></form>{{end}}
</body></html>`))

type view struct {
	Title, Error, LoginURL                     string
	UserCode, VerificationURI, VerificationURL string
	UserID, Nickname, Expires                  string
	Token                                      *coze.OAuthToken
	Action, Button, ButtonID                   string
	Refresh                                    bool
}

func show(w http.ResponseWriter, status int, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if v.Refresh {
		w.Header().Set("Refresh", "3")
	}
	if v.Token != nil {
		v.Expires = time.Unix(v.Token.ExpiresIn, 0).UTC().Format("2006-01-02 15:04:05") + " UTC"
	}
	w.WriteHeader(status)
	if err := page.Execute(w, v); err != nil {
		log.Printf("rendering the page: %v", err)
	}
}

func main() {
	cfg := loadConfig()
	keyFile := cfg.PrivateKeyFile
	if keyFile == "" {
		keyFile = "private_key.pem"
	}
	privateKey, err := os.ReadFile(keyFile)
	if err != nil {
		log.Fatalf("put the app's private key in %s first: %v", keyFile, err)
	}
	oauth, err := coze.NewJWTOAuthClient(coze.NewJWTOAuthClientParam{
		ClientID: cfg.ClientID, PublicKey: cfg.PublicKeyID, PrivateKeyPEM: string(privateKey),
	}, coze.WithAuthBaseURL(cfg.CozeAPIBase))
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		show(w, http.StatusOK, view{Title: title, Action: "/token", Button: "Get a token", ButtonID: "get-token"})
	})
	http.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		got, err := oauth.GetAccessToken(r.Context(), &coze.GetJWTAccessTokenReq{TTL: 900})
		if err != nil {
			show(w, http.StatusBadGateway, view{Title: title, Error: err.Error()})
			return
		}
		show(w, http.StatusOK, view{Title: title, Token: got, Action: "/token", Button: "Get a new token", ButtonID: "new-token"})
	})
	log.Printf("%s: open http://127.0.0.1:%s/", title, port())
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port(), nil))
}

// Buckle sample: the PKCE flow (single-page, mobile and desktop apps), with coze-go.
//
// / links to Buckle's consent page with an S256 code challenge (the SDK makes
// the code verifier); Buckle sends the browser back to the redirect URI with a
// code; the program trades it and the code verifier (no secret) for a token,
// shows it with its expiry, calls /v1/users/me, and can refresh it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/coze-dev/coze-go"
)

const title = "Buckle PKCE app sample"

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

// signedIn shows the token and who it acts for (/v1/users/me).
func signedIn(ctx context.Context, w http.ResponseWriter, title, apiBase string, token *coze.OAuthToken) {
	api := coze.NewCozeAPI(coze.NewTokenAuth(token.AccessToken), coze.WithBaseURL(apiBase))
	me, err := api.Users.Me(ctx)
	if err != nil {
		show(w, http.StatusBadGateway, view{Title: title, Error: err.Error()})
		return
	}
	show(w, http.StatusOK, view{Title: title, UserID: me.UserID, Nickname: me.NickName, Token: token,
		Action: "/refresh", Button: "Refresh the token", ButtonID: "refresh"})
}

func randomState() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		log.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func main() {
	cfg := loadConfig()
	oauth, err := coze.NewPKCEOAuthClient(cfg.ClientID,
		coze.WithAuthBaseURL(cfg.CozeAPIBase), coze.WithAuthWWWURL(cfg.CozeWWWBase))
	if err != nil {
		log.Fatal(err)
	}
	callback, err := url.Parse(cfg.RedirectURI)
	if err != nil {
		log.Fatalf("bad redirect_uri: %v", err)
	}
	var mu sync.Mutex
	// The code verifier of each authorization in progress, by its state.
	verifiers := map[string]string{}
	var token *coze.OAuthToken

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		show(w, http.StatusOK, view{Title: title, LoginURL: "/login"})
	})
	http.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		state := randomState()
		got, err := oauth.GetOAuthURL(r.Context(), &coze.GetPKCEOAuthURLReq{
			RedirectURI: cfg.RedirectURI, State: state, Method: coze.CodeChallengeMethodS256.Ptr()})
		if err != nil {
			show(w, http.StatusInternalServerError, view{Title: title, Error: err.Error()})
			return
		}
		mu.Lock()
		verifiers[state] = got.CodeVerifier
		mu.Unlock()
		http.Redirect(w, r, got.AuthorizationURL, http.StatusFound)
	})
	http.HandleFunc(callback.Path, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if e := q.Get("error"); e != "" {
			show(w, http.StatusBadRequest, view{Title: title, Error: "Buckle answered: " + e})
			return
		}
		mu.Lock()
		verifier, found := verifiers[q.Get("state")]
		delete(verifiers, q.Get("state"))
		mu.Unlock()
		if !found {
			show(w, http.StatusBadRequest, view{Title: title, Error: "The state does not match: start again."})
			return
		}
		got, err := oauth.GetAccessToken(r.Context(), &coze.GetPKCEAccessTokenReq{
			Code: q.Get("code"), RedirectURI: cfg.RedirectURI, CodeVerifier: verifier})
		if err != nil {
			show(w, http.StatusBadGateway, view{Title: title, Error: err.Error()})
			return
		}
		mu.Lock()
		token = got
		mu.Unlock()
		signedIn(r.Context(), w, title, cfg.CozeAPIBase, got)
	})
	http.HandleFunc("/refresh", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		current := token
		mu.Unlock()
		if r.Method != http.MethodPost || current == nil {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		got, err := oauth.RefreshToken(r.Context(), current.RefreshToken)
		if err != nil {
			show(w, http.StatusBadGateway, view{Title: title, Error: err.Error()})
			return
		}
		mu.Lock()
		token = got
		mu.Unlock()
		signedIn(r.Context(), w, title, cfg.CozeAPIBase, got)
	})
	log.Printf("%s: open http://127.0.0.1:%s/", title, port())
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port(), nil))
}

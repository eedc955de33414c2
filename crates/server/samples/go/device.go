// Buckle sample: the device flow (TVs, devices, command-line programs), with coze-go.
//
// / asks Buckle for a device code and shows the user code with the address
// where the user enters it; the program polls Buckle in the background until
// the user approves, then shows the token with its expiry, calls
// /v1/users/me, and can refresh it.
package main

import (
	"context"
	"encoding/json"
	"html/template"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/coze-dev/coze-go"
)

const title = "Buckle device app sample"

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

func main() {
	cfg := loadConfig()
	oauth, err := coze.NewDeviceOAuthClient(cfg.ClientID,
		coze.WithAuthBaseURL(cfg.CozeAPIBase), coze.WithAuthWWWURL(cfg.CozeWWWBase))
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	var code *coze.GetDeviceAuthResp
	var token *coze.OAuthToken
	var failure error

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		c, t, f := code, token, failure
		if f != nil {
			code, failure = nil, nil
		}
		mu.Unlock()
		switch {
		case t != nil:
			signedIn(r.Context(), w, title, cfg.CozeAPIBase, t)
		case f != nil:
			show(w, http.StatusOK, view{Title: title, Error: f.Error()})
		case c == nil:
			show(w, http.StatusOK, view{Title: title, Action: "/start", Button: "Get a device code", ButtonID: "start"})
		default:
			show(w, http.StatusOK, view{Title: title, UserCode: c.UserCode, VerificationURI: c.VerificationURI,
				VerificationURL: c.VerificationURL, Refresh: true})
		}
	})
	http.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		got, err := oauth.GetDeviceCode(r.Context(), &coze.GetDeviceOAuthCodeReq{})
		if err != nil {
			show(w, http.StatusBadGateway, view{Title: title, Error: err.Error()})
			return
		}
		mu.Lock()
		code, token, failure = got, nil, nil
		mu.Unlock()
		// Poll: true waits until the user approves, denies, or the code expires.
		go func() {
			t, err := oauth.GetAccessToken(context.Background(), &coze.GetDeviceOAuthAccessTokenReq{DeviceCode: got.DeviceCode, Poll: true})
			mu.Lock()
			token, failure = t, err
			mu.Unlock()
		}()
		http.Redirect(w, r, "/", http.StatusSeeOther)
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

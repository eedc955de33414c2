// Buckle sample: the PKCE flow (single-page, mobile and desktop apps), with the Coze Java SDK (coze-api).
// 
// / links to Buckle's consent page with an S256 code challenge (the SDK makes
// the code verifier); Buckle sends the browser back to the redirect URI with a
// code; the program trades it and the code verifier (no secret) for a token,
// shows it with its expiry, calls /v1/users/me, and can refresh it.
package sample;

import com.coze.openapi.client.auth.OAuthToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import com.coze.openapi.client.auth.GetPKCEAuthURLResp;
import com.coze.openapi.service.auth.PKCEOAuthClient;

public class Main {
  static final String TITLE = "Buckle PKCE app sample";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, Object> SESSION = new ConcurrentHashMap<>();

  /** coze_oauth_config.json, beside this program. */
  static JsonNode loadConfig() {
    try {
      return JSON.readTree(Files.readString(Path.of("coze_oauth_config.json")));
    } catch (IOException e) {
      System.err.println("cannot read coze_oauth_config.json: " + e.getMessage());
      System.exit(1);
      return null;
    }
  }

  static String text(JsonNode config, String field) {
    JsonNode value = config.get(field);
    return value == null || value.isNull() ? "" : value.asText();
  }

  /** 8080 unless the environment variable PORT says otherwise. */
  static int port() {
    String value = System.getenv("PORT");
    return value == null || value.isEmpty() ? 8080 : Integer.parseInt(value);
  }

  static String escape(Object value) {
    return String.valueOf(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  static String page(String body) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(TITLE)
        + "</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<style>body{font-family:sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}"
        + "code{word-break:break-all}dt{font-weight:bold;margin-top:.5rem}.error{color:#b00020}</style>"
        + "</head><body><h1>" + escape(TITLE) + "</h1>" + body + "</body></html>";
  }

  /** The token, its expiry (absolute unix seconds) and its refresh token if any. */
  static String tokenFacts(OAuthToken token) {
    String expires = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC)
        .format(Instant.ofEpochSecond(token.getExpiresIn())) + " UTC";
    String rows = "<dt>Access token</dt><dd><code id=\"access-token\">" + escape(token.getAccessToken())
        + "</code></dd><dt>Expires</dt><dd id=\"expires-at\">" + escape(expires) + "</dd>";
    if (token.getRefreshToken() != null && !token.getRefreshToken().isEmpty()) {
      rows += "<dt>Refresh token</dt><dd><code id=\"refresh-token\">" + escape(token.getRefreshToken())
          + "</code></dd>";
    }
    return "<dl>" + rows + "</dl>";
  }

  static String button(String action, String label, String id) {
    return "<form method=\"post\" action=\"" + escape(action) + "\"><button type=\"submit\" id=\""
        + escape(id) + "\">" + escape(label) + "</button></form>";
  }

  static String errorBody(Object message) {
    return "<p class=\"error\" id=\"error\">" + escape(message) + "</p><p><a id=\"again\" href=\"/\">Start again</a></p>";
  }

  static void send(HttpExchange ex, int status, String body, String location, boolean reload) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    if (location != null) {
      ex.getResponseHeaders().set("Location", location);
    }
    if (reload) {
      ex.getResponseHeaders().set("Refresh", "3");
    }
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
    ex.close();
  }

  static Map<String, String> query(HttpExchange ex) {
    Map<String, String> out = new HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      out.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    return out;
  }

  interface Route {
    void handle(HttpExchange ex) throws Exception;
  }

  /** Runs a route; what goes wrong is shown on the page instead of ending the program. */
  static void route(HttpServer server, String path, Route route) {
    server.createContext(path, ex -> {
      try {
        if (!ex.getRequestURI().getPath().equals(path)) {
          send(ex, 404, page("<p>Not found.</p>"), null, false);
          return;
        }
        route.handle(ex);
      } catch (Exception e) {
        send(ex, 500, page(errorBody(e.getMessage())), null, false);
      }
    });
  }

  static void serve(HttpServer server) {
    server.start();
    System.out.println(TITLE + ": open http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /** "Authorization Successful" with the user's id and nickname from /v1/users/me. */
  static String userFacts(String apiBase, String accessToken) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(apiBase + "/v1/users/me"))
        .header("Authorization", "Bearer " + accessToken)
        .GET()
        .build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(response.body());
    if (body.path("code").asInt(-1) != 0) {
      throw new IllegalStateException("/v1/users/me answered: " + response.body());
    }
    JsonNode user = body.path("data");
    return "<p id=\"result\"><strong>Authorization Successful</strong></p><dl><dt>User id</dt><dd id=\"user-id\">"
        + escape(user.path("user_id").asText()) + "</dd><dt>Nickname</dt><dd id=\"nickname\">"
        + escape(user.path("nick_name").asText()) + "</dd></dl>";
  }

  static String signedIn(String apiBase, OAuthToken token) throws Exception {
    return page(userFacts(apiBase, token.getAccessToken()) + tokenFacts(token)
        + button("/refresh", "Refresh the token", "refresh"));
  }

  static String randomState() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  public static void main(String[] args) throws Exception {
    JsonNode config = loadConfig();
    String apiBase = text(config, "coze_api_base");
    String redirectUri = text(config, "redirect_uri");
    PKCEOAuthClient oauth = new PKCEOAuthClient.PKCEOAuthBuilder()
        .clientID(text(config, "client_id"))
        .baseURL(apiBase)
        .build();
    // The code verifier of each authorization in progress, by its state.
    Map<String, String> verifiers = new ConcurrentHashMap<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port()), 0);
    route(server, "/", ex -> send(ex, 200, page("<p><a id=\"login\" href=\"/login\">Sign in with Buckle</a></p>"), null, false));
    route(server, "/login", ex -> {
      String state = randomState();
      GetPKCEAuthURLResp url = oauth.genOAuthURL(redirectUri, state, PKCEOAuthClient.CodeChallengeMethod.S256);
      verifiers.put(state, url.getCodeVerifier());
      send(ex, 302, "", url.getAuthorizationURL(), false);
    });
    route(server, URI.create(redirectUri).getPath(), ex -> {
      Map<String, String> q = query(ex);
      if (q.containsKey("error")) {
        send(ex, 400, page(errorBody("Buckle answered: " + q.get("error"))), null, false);
        return;
      }
      String verifier = verifiers.remove(q.getOrDefault("state", ""));
      if (verifier == null) {
        send(ex, 400, page(errorBody("The state does not match: start again.")), null, false);
        return;
      }
      OAuthToken token = oauth.getAccessToken(q.get("code"), redirectUri, verifier);
      SESSION.put("token", token);
      send(ex, 200, signedIn(apiBase, token), null, false);
    });
    route(server, "/refresh", ex -> {
      OAuthToken current = (OAuthToken) SESSION.get("token");
      if (current == null || !ex.getRequestMethod().equals("POST")) {
        send(ex, 303, "", "/", false);
        return;
      }
      OAuthToken token = oauth.refreshToken(current.getRefreshToken());
      SESSION.put("token", token);
      send(ex, 200, signedIn(apiBase, token), null, false);
    });
    serve(server);
  }
}

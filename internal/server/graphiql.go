package server

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql/playground"
)

// assets are the static files the binary serves under /assets/: the
// GraphiQL explorer's scripts and styles (no CDN: it works offline) and the
// dashboard page.
//
//go:embed assets
var assets embed.FS

// assetsPath is where the assets are served.
const assetsPath = "/assets/"

// serveAssets serves the embedded assets; their names carry their versions,
// so browsers may keep them a day.
func serveAssets() http.Handler {
	files, _ := fs.Sub(assets, "assets") // the directory is embedded: no error
	static := http.StripPrefix(assetsPath, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || strings.HasSuffix(r.URL.Path, ".md") {
			http.NotFound(w, r) // no listings, no notes
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		static.ServeHTTP(w, r)
	})
}

// integrity is the subresource integrity of the embedded asset name.
func integrity(name string) string {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic(fmt.Sprintf("server: embedded asset %s: %v", name, err)) // the build is broken
	}
	sum := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// inlineScript finds the page's inline scripts (no src attribute).
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// graphiQL serves gqlgen's GraphiQL page for endpoint, with its scripts and
// styles from the embedded assets. The page is rendered once; its
// Content-Security-Policy allows this origin and, by hash, the one inline
// script that starts GraphiQL, and nothing else: no other inline script, no
// framing, no plugin, and queries only to this origin.
func graphiQL(endpoint string) http.Handler {
	const dir = "graphiql/"
	asset := func(name string) (string, string) { return assetsPath + dir + name, integrity(dir + name) }
	js, jsSRI := asset("graphiql.min.js")
	css, cssSRI := asset("graphiql.min.css")
	react, reactSRI := asset("react.production.min.js")
	reactDOM, reactDOMSRI := asset("react-dom.production.min.js")
	page := playground.Handler("Communs — GraphiQL", endpoint,
		playground.WithStoragePrefix("communs:"),
		playground.WithGraphiqlVersion(js, css, jsSRI, cssSRI),
		playground.WithGraphiqlReactVersion(react, reactDOM, reactSRI, reactDOMSRI))
	var buf pageBuffer
	page.ServeHTTP(&buf, &http.Request{Method: http.MethodGet})
	body := buf.body.Bytes()
	csp := graphiQLPolicy(body)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		_, _ = w.Write(body)
	})
}

// pageBuffer is the http.ResponseWriter the page is rendered into.
type pageBuffer struct {
	header http.Header
	body   bytes.Buffer
}

func (b *pageBuffer) Header() http.Header {
	if b.header == nil {
		b.header = http.Header{}
	}
	return b.header
}

func (b *pageBuffer) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *pageBuffer) WriteHeader(int)             {}

// graphiQLPolicy builds the page's Content-Security-Policy. Should the
// inline script not be found (a change in gqlgen's page), it falls back to
// allowing inline scripts rather than serving a page that cannot start.
func graphiQLPolicy(page []byte) string {
	scripts := []string{"'self'"}
	matches := inlineScript.FindAllSubmatch(page, -1)
	for _, m := range matches {
		sum := sha256.Sum256(m[1])
		scripts = append(scripts, fmt.Sprintf("'sha256-%s'", base64.StdEncoding.EncodeToString(sum[:])))
	}
	if len(matches) == 0 {
		scripts = append(scripts, "'unsafe-inline'")
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(scripts, " "),
		// GraphiQL and its editor inject styles at run time.
		"style-src 'self' 'unsafe-inline'",
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src 'self'",
		"worker-src 'self' blob:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

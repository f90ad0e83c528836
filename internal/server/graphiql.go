package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql/playground"
)

// graphiQLCDN is where gqlgen's GraphiQL page loads its scripts and styles
// from (pinned versions with subresource integrity).
const graphiQLCDN = "https://cdn.jsdelivr.net"

// inlineScript finds the page's inline scripts (no src attribute).
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// graphiQL serves gqlgen's GraphiQL page for endpoint. The page is rendered
// once; its Content-Security-Policy allows the CDN and, by hash, the one
// inline script that starts GraphiQL, and nothing else: no other inline
// script, no framing, no plugin, and queries only to this origin.
func graphiQL(endpoint string) http.Handler {
	page := playground.Handler("Communs — GraphiQL", endpoint,
		playground.WithStoragePrefix("communs:"))
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
	scripts := []string{"'self'", graphiQLCDN}
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
		"style-src 'self' 'unsafe-inline' " + graphiQLCDN,
		"font-src 'self' data: " + graphiQLCDN,
		"img-src 'self' data: " + graphiQLCDN,
		"connect-src 'self'",
		"worker-src 'self' blob:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

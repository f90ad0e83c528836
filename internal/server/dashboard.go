package server

import (
	"net/http"
	"strings"
)

// dashboardPolicy lets the dashboard page run its own script and style and
// call this origin's API, and nothing else.
var dashboardPolicy = strings.Join([]string{
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self'",
	"img-src 'self' data:",
	"connect-src 'self'",
	"base-uri 'none'",
	"form-action 'none'",
	"frame-ancestors 'none'",
}, "; ")

// dashboard serves the dashboard page (assets/dashboard): it logs in and
// reads the public GraphQL API like any client, with the same token rules.
func dashboard() http.Handler {
	page, err := assets.ReadFile("assets/dashboard/index.html")
	if err != nil {
		panic("server: the dashboard page is not embedded: " + err.Error()) // the build is broken
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", dashboardPolicy)
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(page)
	})
}

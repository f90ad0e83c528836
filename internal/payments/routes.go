package payments

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"communs"
	"communs/ent/schema/pulid"
	"communs/internal/callforfunds"
	"communs/internal/httperror"
	"communs/internal/viewer"
)

// StatementPattern is the http.ServeMux pattern of the statements'
// downloads: the member's id followed by .csv or .html.
const StatementPattern = "GET /exports/statements/{file}"

// StatementPath is where the statement of memberID is downloaded, without
// the extension.
func StatementPath(memberID pulid.ID) string { return "/exports/statements/" + string(memberID) }

var contentTypes = map[string]string{"csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8"}

// document is a file a route serves: its name and how to write it.
type document struct {
	name  string
	write func(io.Writer) error
}

// serve answers GET <pattern>/{file}, file being <key>.csv or .html, to
// the viewers allowed (the Casbin grant of the matching query); load reads
// the document under the viewer's row isolation.
func serve(allowed func(*viewer.Viewer) bool, errs *httperror.Writer,
	load func(r *http.Request, key, format string) (document, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, format, ok := strings.Cut(r.PathValue("file"), ".")
		if !ok || contentTypes[format] == "" {
			errs.Write(w, r, communs.Errorf(communs.ENOTFOUND, "ask for <id>.csv or <id>.html"))
			return
		}
		if !errs.Permitted(w, r, allowed, "download this") {
			return
		}
		doc, err := load(r, key, format)
		var body bytes.Buffer
		if err == nil {
			err = doc.write(&body)
		}
		if err != nil {
			errs.Write(w, r, err)
			return
		}
		w.Header().Set("Content-Type", contentTypes[format])
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Disposition", `attachment; filename="`+doc.name+"."+format+`"`)
		if format == "html" {
			w.Header().Set("Content-Disposition", "inline")
		}
		_, _ = body.WriteTo(w)
	})
}

// StatementHandler serves members' statements as CSV or printable HTML:
// allowed tells whether the viewer may read statements at all (the grant
// of accountStatement); whose, row isolation decides, as in the API.
func (s *Service) StatementHandler(issuer callforfunds.Issuer, allowed func(*viewer.Viewer) bool, errs *httperror.Writer) http.Handler {
	return serve(allowed, errs, func(r *http.Request, key, format string) (document, error) {
		st, err := s.Statement(r.Context(), pulid.ID(key))
		if err != nil {
			return document{}, err
		}
		name := "releve-" + st.AsOf.Format("2006-01-02")
		if format == "csv" {
			return document{name, func(w io.Writer) error { return WriteStatementCSV(w, st) }}, nil
		}
		return document{name, func(w io.Writer) error { return WriteStatementHTML(w, st, issuer) }}, nil
	})
}

// JournalHandler serves the accounting journal of a year as CSV
// (journal-<year>.csv) to the viewers allowed (the grant of
// accountingJournal).
func (s *Service) JournalHandler(allowed func(*viewer.Viewer) bool, errs *httperror.Writer) http.Handler {
	return serve(allowed, errs, func(r *http.Request, key, format string) (document, error) {
		year, err := strconv.Atoi(strings.TrimPrefix(key, "journal-"))
		if err != nil || format != "csv" || !strings.HasPrefix(key, "journal-") {
			return document{}, communs.Errorf(communs.ENOTFOUND, "ask for journal-<year>.csv")
		}
		j, err := s.Journal(r.Context(), year)
		if err != nil {
			return document{}, err
		}
		return document{key, func(w io.Writer) error { return WriteJournalCSV(w, j) }}, nil
	})
}

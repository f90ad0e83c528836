package callforfunds

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"communs"
	"communs/ent"
	"communs/ent/callforfunds"
	"communs/ent/charge"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/internal/httperror"
	"communs/internal/viewer"
)

// RoutePattern is the http.ServeMux pattern of the downloads; a file is
// the call's id followed by .csv or .html.
const RoutePattern = "GET /exports/calls-for-funds/{file}"

// ExportPath is where the call id is downloaded, without the extension.
func ExportPath(id pulid.ID) string { return "/exports/calls-for-funds/" + string(id) }

// Handler serves a call for funds as CSV or printable HTML to the viewers
// allowed reads: allowed says whether the viewer may read calls for funds
// at all (the Casbin grant of the callsForFunds query); which calls it may
// read is row isolation, as in the API. It expects the viewer in the
// request context (auth.Middleware).
func Handler(client *ent.Client, issuer Issuer, allowed func(*viewer.Viewer) bool, errs *httperror.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, format, ok := strings.Cut(r.PathValue("file"), ".")
		write := map[string]func(io.Writer, Document) error{"csv": WriteCSV, "html": WriteHTML}[format]
		if !ok || write == nil {
			errs.Write(w, r, communs.Errorf(communs.ENOTFOUND, "ask for <id>.csv or <id>.html"))
			return
		}
		if !errs.Permitted(w, r, allowed, "read calls for funds") {
			return
		}
		doc, err := load(r, client, pulid.ID(id))
		if err == nil {
			doc.Issuer = issuer
			var body bytes.Buffer
			if err = write(&body, doc); err == nil {
				w.Header().Set("Content-Type", contentTypes[format])
				w.Header().Set("Content-Disposition", `attachment; filename="`+doc.Call.Number+"."+format+`"`)
				if format == "html" {
					w.Header().Set("Content-Disposition", "inline")
				}
				_, _ = body.WriteTo(w)
				return
			}
		}
		errs.Write(w, r, err)
	})
}

var contentTypes = map[string]string{"csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8"}

// load reads the call, its member and lines under the viewer's context:
// a call the viewer may not see is not found.
func load(r *http.Request, client *ent.Client, id pulid.ID) (Document, error) {
	ctx := r.Context()
	call, err := client.CallForFunds.Query().Where(callforfunds.ID(id)).
		WithMember().
		WithCharges(func(q *ent.ChargeQuery) { q.Order(ent.Asc(charge.FieldID)) }).
		Only(ctx)
	if ent.IsNotFound(err) {
		return Document{}, communs.Errorf(communs.ENOTFOUND, "call for funds %s not found", id)
	}
	if err != nil {
		return Document{}, err
	}
	var ids []pulid.ID
	for _, l := range call.Edges.Charges {
		if l.ResourceID != nil {
			ids = append(ids, *l.ResourceID)
		}
	}
	resources, err := client.Resource.Query().Where(resource.IDIn(ids...)).All(ctx)
	if err != nil {
		return Document{}, err
	}
	names := make(map[pulid.ID]string, len(resources))
	for _, res := range resources {
		names[res.ID] = res.Name
	}
	return Document{Call: call, Member: call.Edges.Member, Lines: call.Edges.Charges, ResourceNames: names}, nil
}

package cil

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/breach"
	"communs/ent/predicate"
	"communs/ent/processingrecord"
	"communs/ent/schema/pulid"
	"communs/ent/subjectrequest"
	"communs/internal/httperror"
	"communs/internal/viewer"
)

// routes serves a register, whole, as the CNIL's CSV template, JSON or a
// printable HTML page: GET /exports/cil-register/register.{csv,json,html},
// of the groupement or, with ?member=MBR…, of a member. The viewer gets
// what its queries would give it: the records if processingRecords is
// granted, the breaches and requests only if breaches and subjectRequests
// are, and of those, the rows row isolation lets it read.
func routes(client *ent.Client, allowed func(*viewer.Viewer, string) bool, errs *httperror.Writer) map[string]http.Handler {
	return map[string]http.Handler{"GET /exports/cil-register/{format}": exportHandler(client, allowed, errs)}
}

var writers = map[string]struct {
	contentType string
	write       func(io.Writer, Register) error
}{
	"register.csv":  {"text/csv; charset=utf-8", func(w io.Writer, r Register) error { return WriteCSV(w, r.Records) }},
	"register.json": {"application/json", WriteJSON},
	"register.html": {"text/html; charset=utf-8", WriteHTML},
}

func exportHandler(client *ent.Client, allowed func(*viewer.Viewer, string) bool, errs *httperror.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, ok := writers[r.PathValue("format")]
		if !ok {
			errs.Write(w, r, communs.Errorf(communs.ENOTFOUND, "ask for register.csv, register.json or register.html"))
			return
		}
		if !errs.Permitted(w, r, func(v *viewer.Viewer) bool { return allowed(v, "processingRecords") }, "read the register") {
			return
		}
		v := viewer.FromContext(r.Context())
		reg, err := load(r, client, allowed(v, "breaches"), allowed(v, "subjectRequests"))
		if err == nil {
			var body bytes.Buffer
			if err = out.write(&body, reg); err == nil {
				w.Header().Set("Content-Type", out.contentType)
				_, _ = body.WriteTo(w)
				return
			}
		}
		errs.Write(w, r, err)
	})
}

// load reads a register under the viewer's context, with its breaches
// and requests when asked.
func load(r *http.Request, client *ent.Client, breaches, requests bool) (Register, error) {
	ctx := r.Context()
	reg := Register{Owner: "le groupement", GeneratedAt: time.Now().UTC()}
	recordOwner, breachOwner, requestOwner :=
		[]predicate.ProcessingRecord{processingrecord.MemberIDIsNil()},
		[]predicate.Breach{breach.MemberIDIsNil()},
		[]predicate.SubjectRequest{subjectrequest.MemberIDIsNil()}
	if id := pulid.ID(r.URL.Query().Get("member")); id != "" {
		m, err := client.Member.Get(ctx, id)
		if ent.IsNotFound(err) {
			return reg, communs.Errorf(communs.ENOTFOUND, "member %s not found", id)
		}
		if err != nil {
			return reg, err
		}
		reg.Owner = m.Name
		recordOwner = []predicate.ProcessingRecord{processingrecord.MemberID(id)}
		breachOwner = []predicate.Breach{breach.MemberID(id)}
		requestOwner = []predicate.SubjectRequest{subjectrequest.MemberID(id)}
	}
	var err error
	if reg.Records, err = client.ProcessingRecord.Query().Where(recordOwner...).
		Order(ent.Asc(processingrecord.FieldName)).All(ctx); err != nil {
		return reg, err
	}
	if breaches {
		if reg.Breaches, err = client.Breach.Query().Where(breachOwner...).
			Order(ent.Asc(breach.FieldDetectedAt)).All(ctx); err != nil {
			return reg, err
		}
	}
	if requests {
		reg.Requests, err = client.SubjectRequest.Query().Where(requestOwner...).
			Order(ent.Asc(subjectrequest.FieldReceivedOn)).All(ctx)
	}
	return reg, err
}

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"communs/ent/auditevent"
	"communs/ent/member"
	"communs/ent/memberdocument"
	"communs/ent/schema/pulid"
	"communs/internal/memberdocs"
	"communs/internal/viewer"
)

// A signed PDF, as far as sniffing goes.
var samplePDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")

// upload posts a document for memberID as c, and returns the status and
// the body of the answer.
func upload(t *testing.T, c *testServer, memberID, kind, name string, content []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("kind", kind)
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.url+"/members/"+memberID+"/documents", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, out := send(t, c, req)
	return resp.StatusCode, out
}

// send sends req with c's token and returns the answer and its body.
func send(t *testing.T, c *testServer, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

// getDocument downloads path as c and returns the answer and its body.
func getDocument(t *testing.T, c *testServer, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.url+path, nil)
	return send(t, c, req)
}

// memberIDOf returns the id of the demo member named name.
func memberIDOf(t *testing.T, s *testServer, name string) string {
	t.Helper()
	id, err := s.db.Client.Member.Query().Where(member.Name(name)).OnlyID(viewer.SystemContext(t.Context()))
	if err != nil {
		t.Fatalf("demo member %q: %v", name, err)
	}
	return string(id)
}

// documentCount counts every stored document, as the platform.
func documentCount(t *testing.T, s *testServer) int {
	t.Helper()
	return s.db.Client.MemberDocument.Query().CountX(viewer.SystemContext(t.Context()))
}

func mustUpload(t *testing.T, c *testServer, memberID, kind, name string, content []byte) memberdocs.Description {
	t.Helper()
	status, body := upload(t, c, memberID, kind, name, content)
	if status != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", name, status, body)
	}
	var doc memberdocs.Description
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestMemberDocumentsEndToEnd(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	a := memberIDOf(t, s, leakA)
	admin, viewerA := s.as(t, "admin@tilleuls-yonne.example"), s.as(t, "viewer@tilleuls-yonne.example")
	otherAdmin := s.as(t, "admin@genets-morvan.example")

	const name = `Statuts signés "2026".pdf`
	doc := mustUpload(t, admin, a, "STATUTES", name, samplePDF)
	if doc.ContentType != "application/pdf" || doc.Size != int64(len(samplePDF)) || len(doc.SHA256) != 64 ||
		doc.FileName != name || string(doc.MemberID) != a || doc.DownloadPath != "/documents/"+string(doc.ID) {
		t.Errorf("upload answered %+v", doc)
	}

	// The member's people list it, on the member and at the root.
	var listed struct {
		Node struct {
			Documents []struct {
				ID, Kind, FileName, ContentType, Sha256, UploadedBy string
				Size                                                int64
			}
		}
		MemberDocuments struct{ TotalCount int }
	}
	viewerA.data(t, `query($id: ID!) { node(id: $id) { ... on Member { documents { id kind fileName contentType size sha256 uploadedBy } } }
		memberDocuments(first: 10) { totalCount } }`, map[string]any{"id": a}, &listed)
	if len(listed.Node.Documents) != 1 || listed.MemberDocuments.TotalCount != 1 {
		t.Fatalf("listed %+v", listed)
	}
	if d := listed.Node.Documents[0]; d.ID != string(doc.ID) || d.Kind != "STATUTES" || d.Sha256 != doc.SHA256 ||
		d.UploadedBy != "admin@tilleuls-yonne.example" {
		t.Errorf("listed %+v", d)
	}

	// They download the same bytes, as an attachment nothing renders.
	resp, body := getDocument(t, viewerA, doc.DownloadPath)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, samplePDF) {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(body))
	}
	for header, want := range map[string]string{
		"Content-Type":            "application/pdf",
		"Content-Disposition":     `attachment; filename="Statuts sign_s _2026_.pdf"; filename*=UTF-8''Statuts%20sign%C3%A9s%20%222026%22.pdf`,
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; sandbox",
	} {
		if got := resp.Header.Get(header); got != want {
			t.Errorf("download %s: %q, want %q", header, got, want)
		}
	}

	// Another member's people: not found, whatever the way in.
	if resp, _ := getDocument(t, otherAdmin, doc.DownloadPath); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another member downloads: %d", resp.StatusCode)
	}
	var other struct{ MemberDocuments struct{ TotalCount int } }
	otherAdmin.data(t, `{ memberDocuments(first: 10) { totalCount } }`, nil, &other)
	if other.MemberDocuments.TotalCount != 0 {
		t.Errorf("another member lists %d documents", other.MemberDocuments.TotalCount)
	}
	if resp := otherAdmin.query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": doc.ID}); resp.code() != "NOT_FOUND" ||
		strings.Contains(string(resp.Data), string(doc.ID)) {
		t.Errorf("another member's node(id:): %s %+v", resp.Data, resp.Errors)
	}
	before := documentCount(t, s)
	if status, body := upload(t, otherAdmin, a, "OTHER", "x.pdf", samplePDF); status != http.StatusNotFound {
		t.Errorf("another member uploads: %d %s", status, body)
	}
	if resp := otherAdmin.query(t, `mutation($id: ID!) { deleteMemberDocument(id: $id) }`, map[string]any{"id": doc.ID}); resp.code() != "NOT_FOUND" {
		t.Errorf("another member deletes: %+v", resp.Errors)
	}
	if n := documentCount(t, s); n != before {
		t.Errorf("refusals stored documents: %d, then %d", before, n)
	}

	// The groupement's staff read and add any member's documents.
	staff := s.as(t, gsmStaff)
	if resp, body := getDocument(t, staff, doc.DownloadPath); resp.StatusCode != http.StatusOK || !bytes.Equal(body, samplePDF) {
		t.Errorf("gsm staff download: %d", resp.StatusCode)
	}
	mustUpload(t, staff, memberIDOf(t, s, leakOthers[0]), "CONVENTION", "convention.pdf", samplePDF)

	// Deleting is the member's administrator's, and audited.
	var deleted struct{ DeleteMemberDocument string }
	admin.data(t, `mutation($id: ID!) { deleteMemberDocument(id: $id) }`, map[string]any{"id": doc.ID}, &deleted)
	if resp, _ := getDocument(t, viewerA, doc.DownloadPath); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted document downloads: %d", resp.StatusCode)
	}
	actions, err := s.db.Client.AuditEvent.Query().Where(auditevent.EntityID(string(doc.ID))).
		Select(auditevent.FieldAction).Strings(viewer.SystemContext(t.Context()))
	if err != nil || strings.Join(actions, ",") != "create,delete" {
		t.Errorf("audit trail of the document: %v %v", actions, err)
	}
}

func TestMemberDocumentUploadsRefused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(c *serveConfig) { c.limits.documentBytes = 1 << 10 })
	a := memberIDOf(t, s, leakA)
	admin := s.as(t, "admin@tilleuls-yonne.example")
	for _, tc := range []struct {
		name    string
		client  *testServer
		kind    string
		file    string
		content []byte
		status  int
	}{
		{"anonymous", &testServer{url: s.url}, "STATUTES", "s.pdf", samplePDF, http.StatusUnauthorized},
		{"member staff", s.as(t, "staff@tilleuls-yonne.example"), "STATUTES", "s.pdf", samplePDF, http.StatusForbidden},
		{"too large", admin, "STATUTES", "s.pdf", append(samplePDF, make([]byte, 1<<10)...), http.StatusRequestEntityTooLarge},
		{"html", admin, "STATUTES", "s.pdf", []byte("<!DOCTYPE html><script>alert(document.cookie)</script>"), http.StatusUnsupportedMediaType},
		{"executable", admin, "OTHER", "setup.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), http.StatusUnsupportedMediaType},
		{"unknown kind", admin, "INVOICE", "s.pdf", samplePDF, http.StatusBadRequest},
		{"no name", admin, "STATUTES", "", samplePDF, http.StatusBadRequest},
		{"unknown member", admin, "STATUTES", "s.pdf", samplePDF, http.StatusNotFound},
	} {
		member := a
		if tc.name == "unknown member" {
			member = string(pulid.New("MBR"))
		}
		status, body := upload(t, tc.client, member, tc.kind, tc.file, tc.content)
		if status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, status, body, tc.status)
		}
		if status >= 400 && !json.Valid(body) {
			t.Errorf("%s: the refusal is not JSON: %s", tc.name, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/members/"+a+"/documents", strings.NewReader(string(samplePDF)))
	req.Header.Set("Content-Type", "application/pdf")
	if resp, body := send(t, admin, req); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a raw body: %d %s", resp.StatusCode, body)
	}
	if n := s.db.Client.MemberDocument.Query().Where(memberdocument.MemberID(pulid.ID(a))).
		CountX(viewer.SystemContext(t.Context())); n != 0 {
		t.Errorf("%d documents stored by refused uploads", n)
	}
}

package memberdocs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"communs"
	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/internal/httperror"
	"communs/internal/viewer"
)

// The routes: an upload to a member, a download by the document's id.
const (
	UploadPattern   = "POST /members/{memberId}/documents"
	DownloadPattern = "GET /documents/{id}"
)

// DownloadPath is where the document id is downloaded.
func DownloadPath(id pulid.ID) string { return "/documents/" + string(id) }

// multipartOverhead is what a multipart body may hold beside the file:
// boundaries, part headers, the kind.
const multipartOverhead = 64 << 10

// UploadHandler stores the document sent as multipart/form-data (a field
// kind, a file part file) for the member of the path, to the viewers
// allowed (the policy's uploadMemberDocument); it answers 201 with the
// document's description, 413 when it is too large, 415 when its type is
// not allowed.
func (s *Service) UploadHandler(allowed func(*viewer.Viewer) bool, errs *httperror.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !errs.Permitted(w, r, allowed, "upload documents") {
			return
		}
		u, err := s.readUpload(w, r)
		var doc *ent.MemberDocument
		if err == nil {
			doc, err = s.Store(r.Context(), u)
		}
		if err != nil {
			refuse(w, r, errs, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", DownloadPath(doc.ID))
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(describe(doc))
	})
}

// DownloadHandler serves a document to the viewers allowed (the policy's
// memberDocuments) as an attachment that a browser neither renders in the
// page nor sniffs: another member's document is not found.
func (s *Service) DownloadHandler(allowed func(*viewer.Viewer) bool, errs *httperror.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !errs.Permitted(w, r, allowed, "download documents") {
			return
		}
		doc, err := s.Open(r.Context(), pulid.ID(r.PathValue("id")))
		if err != nil {
			errs.Write(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", doc.ContentType)
		h.Set("Content-Length", strconv.Itoa(len(doc.Content)))
		h.Set("Content-Disposition", Attachment(doc.FileName))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "private, no-store")
		_, _ = w.Write(doc.Content)
	})
}

// refuse answers an upload's error: 413 and 415 for the size and the
// type, the code's status otherwise.
func refuse(w http.ResponseWriter, r *http.Request, errs *httperror.Writer, err error) {
	switch {
	case errors.Is(err, ErrTooLarge):
		httperror.Answer(w, http.StatusRequestEntityTooLarge, ErrTooLarge)
	case errors.Is(err, ErrType):
		httperror.Answer(w, http.StatusUnsupportedMediaType, ErrType)
	default:
		errs.Write(w, r, err)
	}
}

// readUpload reads the multipart body, never more than the size limit
// and its overhead, however long the body the client announces.
func (s *Service) readUpload(w http.ResponseWriter, r *http.Request) (Upload, error) {
	u := Upload{MemberID: pulid.ID(r.PathValue("memberId"))}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBytes()+multipartOverhead)
	parts, err := r.MultipartReader()
	if err != nil {
		return u, communs.Errorf(communs.EINVALID, "send multipart/form-data with the fields kind and file")
	}
	gotFile := false
	for {
		part, err := parts.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return u, readError(err)
		}
		switch part.FormName() {
		case "kind":
			kind, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return u, readError(err)
			}
			u.Kind = strings.TrimSpace(string(kind))
		case "file":
			u.FileName, gotFile = part.FileName(), true
			if u.Content, err = s.readFile(part); err != nil {
				return u, err
			}
		}
	}
	if !gotFile {
		return u, communs.InvalidField("file", "send the document in the part file")
	}
	return u, nil
}

// readFile reads a file part up to the size limit.
func (s *Service) readFile(part *multipart.Part) ([]byte, error) {
	content, err := io.ReadAll(io.LimitReader(part, s.maxBytes()+1))
	switch {
	case err != nil:
		return nil, readError(err)
	case int64(len(content)) > s.maxBytes():
		return nil, ErrTooLarge
	}
	return content, nil
}

// readError tells a body past its limit as too large, a broken one as
// invalid input.
func readError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return ErrTooLarge
	}
	return communs.Errorf(communs.EINVALID, "unreadable multipart body: %v", err)
}

// Description is the upload's answer.
type Description struct {
	ID           pulid.ID `json:"id"`
	MemberID     pulid.ID `json:"memberId"`
	Kind         string   `json:"kind"`
	FileName     string   `json:"fileName"`
	ContentType  string   `json:"contentType"`
	Size         int64    `json:"size"`
	SHA256       string   `json:"sha256"`
	DownloadPath string   `json:"downloadPath"`
}

func describe(d *ent.MemberDocument) Description {
	return Description{d.ID, d.MemberID, string(d.Kind), d.FileName, d.ContentType, d.Size, d.Sha256, DownloadPath(d.ID)}
}

// Attachment is the Content-Disposition of a download named name (RFC
// 6266): an ASCII filename for old clients, and filename* with the name
// itself, percent-encoded UTF-8 (RFC 8187).
func Attachment(name string) string {
	return `attachment; filename="` + asciiName(name) + `"; filename*=UTF-8''` + percentEncode(name)
}

// asciiName replaces what a quoted filename cannot safely hold.
func asciiName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
}

// percentEncode keeps RFC 8187's attr-char and encodes every other byte.
func percentEncode(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAttrChar(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func isAttrChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

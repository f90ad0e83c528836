// Package memberdocs keeps the documents of a membership: the signed
// application, the subscription convention, the statutes, attached to the
// member. Their bytes live in the database row (see ent/schema
// MemberDocument): the same on SQLite and PostgreSQL, in the backups and
// the transaction of the audit event, whichever API server answers.
package memberdocs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"communs"
	"communs/ent"
	"communs/ent/member"
	"communs/ent/memberdocument"
	"communs/ent/privacy"
	"communs/ent/schema"
	"communs/ent/schema/pulid"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// DefaultMaxBytes is the largest document accepted unless configured;
// no configuration goes past the schema's bound, schema.MaxDocumentBytes.
const DefaultMaxBytes = 10 << 20

// Service stores and reads the members' documents under the viewer's row
// isolation.
type Service struct {
	client *ent.Client
	// MaxBytes bounds a document's size; zero means DefaultMaxBytes.
	MaxBytes int64
}

// New returns the service over client.
func New(client *ent.Client) *Service { return &Service{client: client} }

func (s *Service) maxBytes() int64 {
	if s.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return min(s.MaxBytes, schema.MaxDocumentBytes)
}

// Upload is a document as received: its member, kind, name and bytes.
type Upload struct {
	MemberID pulid.ID
	Kind     string
	FileName string
	Content  []byte
}

// Store keeps u for its member, as the viewer may: a member it may not see
// is not found, a document of a type not allowed is refused (ErrType), and
// nothing is written on any refusal.
func (s *Service) Store(ctx context.Context, u Upload) (*ent.MemberDocument, error) {
	c, err := s.check(u)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(u.Content)
	var doc *ent.MemberDocument
	err = txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		if err := memberVisible(ctx, tx, u.MemberID); err != nil {
			return err
		}
		var err error
		doc, err = tx.MemberDocument.Create().SetMemberID(u.MemberID).SetKind(c.kind).SetFileName(c.fileName).
			SetContentType(c.contentType).SetSize(int64(len(u.Content))).SetSha256(hex.EncodeToString(sum[:])).
			SetContent(u.Content).SetUploadedBy(uploader(ctx)).Save(ctx)
		return deniedAsForbidden(err)
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, doc), nil
}

// checked is what an upload's checks found.
type checked struct {
	kind                  memberdocument.Kind
	fileName, contentType string
}

// check refuses an upload of an unknown kind, without a name, too large
// or of a type not allowed, before anything is read from the database.
func (s *Service) check(u Upload) (checked, error) {
	c := checked{kind: memberdocument.Kind(u.Kind)}
	if err := memberdocument.KindValidator(c.kind); err != nil {
		return c, communs.InvalidField("kind", "kind must be APPLICATION_SIGNED, CONVENTION, STATUTES or OTHER")
	}
	var err error
	if c.fileName, err = cleanFileName(u.FileName); err != nil {
		return c, err
	}
	if int64(len(u.Content)) > s.maxBytes() {
		return c, ErrTooLarge
	}
	var ok bool
	if c.contentType, ok = DetectType(u.Content); !ok {
		return c, ErrType
	}
	return c, nil
}

// Open reads a document, bytes included, as the viewer may: one of
// another member is not found, exactly as one that does not exist.
func (s *Service) Open(ctx context.Context, id pulid.ID) (*ent.MemberDocument, error) {
	doc, err := s.client.MemberDocument.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, communs.Errorf(communs.ENOTFOUND, "document %s not found", id)
	}
	return doc, err
}

// Delete removes a document uploaded by mistake, as the viewer may; the
// audit trail keeps who deleted which.
func (s *Service) Delete(ctx context.Context, id pulid.ID) error {
	return txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		n, err := tx.MemberDocument.Delete().Where(memberdocument.ID(id)).Exec(ctx)
		switch {
		case err != nil:
			return deniedAsForbidden(err)
		case n == 0:
			return communs.Errorf(communs.ENOTFOUND, "document %s not found", id)
		}
		return nil
	})
}

// Refusals of an upload, answered 413 and 415 by the route.
var (
	ErrTooLarge = communs.Errorf(communs.ELIMIT, "the document is too large")
	ErrType     = communs.Errorf(communs.EINVALID, "the document must be a PDF, PNG, JPEG, ODT or DOCX file")
)

// memberVisible answers not found for a member the viewer may not read,
// so that an upload tells nothing of another member's existence.
func memberVisible(ctx context.Context, tx *ent.Client, id pulid.ID) error {
	ok, err := tx.Member.Query().Where(member.ID(id)).Exist(ctx)
	if err == nil && !ok {
		return communs.Errorf(communs.ENOTFOUND, "member %s not found", id)
	}
	return err
}

// deniedAsForbidden tells a write refused by the row rules as FORBIDDEN.
func deniedAsForbidden(err error) error {
	if errors.Is(err, privacy.Deny) {
		return communs.Errorf(communs.EFORBIDDEN, "your roles do not allow changing this member's documents")
	}
	return err
}

func uploader(ctx context.Context) string {
	if v := viewer.FromContext(ctx); v != nil {
		return v.Email
	}
	return ""
}

// cleanFileName keeps the last element of the name the client gave
// (either slash), without control characters, at most 255 bytes.
func cleanFileName(name string) (string, error) {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" || name == ".." {
		return "", communs.InvalidField("file", "the file needs a name")
	}
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name, nil
}

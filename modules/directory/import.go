package directory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/establishment"
	"communs/ent/schema/pulid"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// ImportReport is what an import of a FINESS extract did.
type ImportReport struct {
	Lines                       int
	Created, Updated, Unchanged int
	// Skipped counts the establishments of other legal entities than the
	// member's FINESS EJ, when it has one.
	Skipped  int
	Rejected []Rejected
}

// importBatch is the number of establishments written per transaction.
const importBatch = 1000

// Import upserts the establishments of a FINESS extract into a member's
// directory, by FINESS ET number: new ones are created, known ones of the
// member updated when the extract differs, in one transaction per batch.
// The fields the member keeps (director, capacities, attributes, status)
// are never overwritten. When the member has a FINESS EJ, only its
// establishments are taken; an establishment of another member is
// rejected. Importing the same file again changes nothing. progress, if
// not nil, is called after each batch.
func (s *Service) Import(ctx context.Context, memberID pulid.ID, r io.Reader, progress func(done, total int)) (*ImportReport, error) {
	m, err := txn.Client(ctx, s.client).Member.Get(ctx, memberID)
	if err != nil {
		return nil, notFound(err, "member %s not found", memberID)
	}
	extract, err := ReadExtract(r)
	if err != nil {
		return nil, communs.InvalidField("file", "%s", err)
	}
	report := &ImportReport{Lines: extract.Lines, Rejected: extract.Rejected}
	var rows []Establishment
	for _, e := range extract.Establishments {
		if m.FinessEj != nil && e.FinessEJ != *m.FinessEj {
			report.Skipped++
			continue
		}
		if err := checkRow(e); err != nil {
			report.Rejected = append(report.Rejected, Rejected{Line: e.Line, Reason: err.Error()})
			continue
		}
		rows = append(rows, e)
	}
	slices.SortFunc(report.Rejected, func(a, b Rejected) int { return cmp.Compare(a.Line, b.Line) })
	for lo := 0; lo < len(rows); lo += importBatch {
		batch := rows[lo:min(lo+importBatch, len(rows))]
		err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
			return importBatchOf(ctx, tx, memberID, batch, report)
		})
		if err != nil {
			return nil, fmt.Errorf("lines %d to %d: %w", batch[0].Line, batch[len(batch)-1].Line, err)
		}
		if progress != nil {
			progress(lo+len(batch), len(rows))
		}
	}
	return report, nil
}

// checkRow checks a line against what the directory stores, so that one
// bad line is rejected alone instead of failing its batch.
func checkRow(e Establishment) error {
	if e.Name == "" {
		return errors.New("raison sociale vide")
	}
	// The register's SIRET numbers are taken as they are (some, like La
	// Poste's, do not follow the Luhn key); only a malformed one is refused.
	if e.Siret != "" && !fourteenDigits(e.Siret) {
		return fmt.Errorf("SIRET %q : 14 chiffres attendus", e.Siret)
	}
	limits := []struct {
		field, value string
		max          int
	}{
		{"rs", e.Name, 300}, {"rslongue", e.LongName, 500}, {"adresse", e.Street, 300},
		{"code postal", e.PostalCode, 10}, {"commune", e.City, 200}, {"téléphone", e.Phone, 30},
		{"categetab", e.CategoryCode, 10}, {"libcategetab", e.CategoryLabel, 200},
	}
	for _, l := range limits {
		if len(l.value) > l.max {
			return fmt.Errorf("%s trop long (%d octets, au plus %d)", l.field, len(l.value), l.max)
		}
	}
	return nil
}

// importBatchOf upserts one batch: one query finds the known ones.
func importBatchOf(ctx context.Context, tx *ent.Client, memberID pulid.ID, batch []Establishment, report *ImportReport) error {
	numbers := make([]string, len(batch))
	for i, e := range batch {
		numbers[i] = e.FinessET
	}
	// The FINESS number is unique across members: look at every member's
	// rows, so that another member's establishment is refused, not
	// duplicated.
	known, err := tx.Establishment.Query().
		Where(establishment.FinessEtIn(numbers...)).All(viewer.SystemContext(ctx))
	if err != nil {
		return err
	}
	byNumber := make(map[string]*ent.Establishment, len(known))
	for _, e := range known {
		byNumber[*e.FinessEt] = e
	}
	var creates []*ent.EstablishmentCreate
	for _, e := range batch {
		current := byNumber[e.FinessET]
		switch {
		case current == nil:
			create := tx.Establishment.Create().SetMemberID(memberID).SetFinessEt(e.FinessET)
			setFromExtract(create.Mutation(), e)
			creates = append(creates, create)
		case current.MemberID != memberID:
			report.Rejected = append(report.Rejected, Rejected{Line: e.Line,
				Reason: fmt.Sprintf("l'établissement %s appartient à un autre membre", e.FinessET)})
		case sameAsExtract(current, e):
			report.Unchanged++
		default:
			update := tx.Establishment.UpdateOne(current)
			setFromExtract(update.Mutation(), e)
			if err := update.Exec(ctx); err != nil {
				return err
			}
			report.Updated++
		}
	}
	if len(creates) > 0 {
		if err := tx.Establishment.CreateBulk(creates...).Exec(ctx); err != nil {
			return err
		}
		report.Created += len(creates)
	}
	return nil
}

// setFromExtract sets the fields the extract controls.
func setFromExtract(m *ent.EstablishmentMutation, e Establishment) {
	m.SetName(e.Name)
	m.SetLongName(e.LongName)
	m.SetStreet(e.Street)
	m.SetPostalCode(e.PostalCode)
	m.SetCity(e.City)
	m.SetDepartment(e.Department)
	m.SetPhone(e.Phone)
	m.SetCategoryCode(e.CategoryCode)
	m.SetCategoryLabel(e.CategoryLabel)
	m.SetCoordSource(e.CoordSource)
	setOrClear(e.FinessEJ, m.SetFinessEj, m.ClearFinessEj)
	setOrClear(e.Siret, m.SetSiret, m.ClearSiret)
	setOrClearPtr(e.OpenedOn, m.SetOpenedOn, m.ClearOpenedOn)
	setOrClearPtr(e.AuthorizedOn, m.SetAuthorizedOn, m.ClearAuthorizedOn)
	setOrClearPtr(e.X, m.SetCoordX, m.ClearCoordX)
	setOrClearPtr(e.Y, m.SetCoordY, m.ClearCoordY)
}

// sameAsExtract tells whether the row holds what the extract says.
func sameAsExtract(c *ent.Establishment, e Establishment) bool {
	return c.Name == e.Name && c.LongName == e.LongName && c.Street == e.Street &&
		c.PostalCode == e.PostalCode && c.City == e.City && c.Department == e.Department &&
		c.Phone == e.Phone && c.CategoryCode == e.CategoryCode && c.CategoryLabel == e.CategoryLabel &&
		c.CoordSource == e.CoordSource &&
		deref(c.FinessEj) == e.FinessEJ && deref(c.Siret) == e.Siret &&
		sameTime(c.OpenedOn, e.OpenedOn) && sameTime(c.AuthorizedOn, e.AuthorizedOn) &&
		samePtr(c.CoordX, e.X) && samePtr(c.CoordY, e.Y)
}

func setOrClear(v string, set func(string), clear func()) {
	if v == "" {
		clear()
		return
	}
	set(v)
}

func setOrClearPtr[T any](v *T, set func(T), clear func()) {
	if v == nil {
		clear()
		return
	}
	set(*v)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func sameTime(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}

func samePtr[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func fourteenDigits(s string) bool {
	if len(s) != 14 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

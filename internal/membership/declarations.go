package membership

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"communs"
	"communs/ent"
	"communs/ent/account"
	"communs/ent/member"
	"communs/ent/notification"
	"communs/ent/predicate"
	"communs/ent/resource"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/subscription"
	"communs/ent/usagedeclaration"
	"communs/ent/usagedeclarationline"
	"communs/ent/usagedeclarationrevision"
	"communs/internal/calendar"
	"communs/internal/notify"
	"communs/internal/viewer"
)

// Declarations run the yearly usage declaration of each member.
type Declarations struct{ *workflow }

// The usage declaration (fiche déclarative): once a year, each member
// declares how much of every resource it subscribes to it uses, in the
// resource's unit. The member saves it (DRAFT) and submits it
// (SUBMITTED); the groupement returns it for correction (RETURNED, then
// DRAFT again on the next save) or validates it (VALIDATED); the charge
// engine locks it when a run uses it (LOCKED). Changes after that are
// amendments, carried into the year-end regularisation. Every change adds
// a revision, a snapshot kept forever.
//
// Row isolation: each operation reads and changes the declaration row
// under the caller's viewer, so a member's people reach their own member's
// declarations only (another member's is NOT_FOUND). Its lines and
// revisions are then written as the system on the caller's behalf (the
// audit trail names them): they carry no member_id of their own, which the
// privacy rule for a member-side creation needs, and the declaration's own
// check has already passed.

// DeclaredLine is the declared quantity of one resource.
type DeclaredLine struct {
	ResourceID pulid.ID
	Quantity   int64
}

// amendmentAfterYearEnd marks the comment of an amendment made after the
// year's regularisation, so that both sides see that the year end must be
// run again.
const amendmentAfterYearEnd = "[Amendement après la régularisation %d : à régulariser en relançant la clôture de l'année.]"

// Save saves a member's declaration of year with the given lines,
// which replace the previous ones. It creates the declaration (DRAFT), or
// changes a DRAFT or RETURNED one (which becomes DRAFT again); a LOCKED one
// is amended (it stays LOCKED, and the revision is marked as an amendment),
// before or after the year's regularisation: the year end run again
// charges the difference (an amendment after it says so in its comment).
// A SUBMITTED or VALIDATED declaration cannot be changed: the groupement
// returns it first.
//
// Each line names a resource the member subscribes to during the year (see
// subscribedDuring), at most once, with a quantity of zero or more.
func (s *Declarations) Save(ctx context.Context, memberID pulid.ID, year int, lines []DeclaredLine, comment string) (*ent.UsageDeclaration, error) {
	if err := checkYear(year); err != nil {
		return nil, err
	}
	seen := make(map[pulid.ID]int, len(lines))
	for i, l := range lines {
		if l.Quantity < 0 {
			return nil, communs.InvalidField(fmt.Sprintf("lines[%d].quantity", i), "a quantity cannot be negative")
		}
		if first, dup := seen[l.ResourceID]; dup {
			return nil, communs.InvalidField(fmt.Sprintf("lines[%d].resourceId", i),
				"the resource is already declared on line %d: one line per resource", first)
		}
		seen[l.ResourceID] = i
	}
	comment = strings.TrimSpace(comment)

	var saved *ent.UsageDeclaration
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if _, err := tx.Member.Get(ctx, memberID); err != nil {
			return notFoundAs(err, "member %s not found", memberID)
		}
		d, err := tx.UsageDeclaration.Query().
			Where(usagedeclaration.MemberID(memberID), usagedeclaration.Year(year)).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return err
		}
		if d == nil {
			if lines, err = s.withSuggestions(ctx, tx, memberID, year, lines); err != nil {
				return err
			}
		}
		if err := checkDeclaredResources(ctx, tx, memberID, year, lines); err != nil {
			return err
		}
		status, revision, amendment := usagedeclaration.StatusDRAFT, 1, false
		if d == nil {
			d, err = tx.UsageDeclaration.Create().
				SetMemberID(memberID).SetYear(year).
				SetStatus(status).SetRevision(revision).
				Save(ctx)
			if ent.IsConstraintError(err) {
				return communs.Errorf(communs.ECONFLICT, "the declaration of %d was saved meanwhile: reload it and try again", year)
			}
			if err != nil {
				return err
			}
		} else {
			switch d.Status {
			case usagedeclaration.StatusDRAFT, usagedeclaration.StatusRETURNED:
			case usagedeclaration.StatusLOCKED:
				done, err := yearRegularised(ctx, tx, year)
				if err != nil {
					return err
				}
				if done {
					comment = strings.TrimSpace(comment + " " + fmt.Sprintf(amendmentAfterYearEnd, year))
				}
				status, amendment = usagedeclaration.StatusLOCKED, true
			default:
				return communs.Errorf(communs.ECONFLICT,
					"the declaration of %d is %s: ask the groupement to return it before changing it", year, d.Status)
			}
			revision = d.Revision + 1
			if err := updateDeclaration(ctx, tx, d, status, revision, nil); err != nil {
				return err
			}
		}
		snapshot, err := replaceLines(ctx, tx, d.ID, lines)
		if err != nil {
			return err
		}
		if err := writeRevision(ctx, tx, d.ID, revision, status, amendment, snapshot, comment); err != nil {
			return err
		}
		saved, err = tx.UsageDeclaration.Get(ctx, d.ID)
		return err
	})
	return saved, err
}

// withSuggestions completes the lines of a new declaration with the
// quantities the modules suggest (the directory's capacities, for a
// resource counted in places) for the resources the member did not give.
func (s *Declarations) withSuggestions(ctx context.Context, tx *ent.Client, memberID pulid.ID, year int, lines []DeclaredLine) ([]DeclaredLine, error) {
	suggested, err := s.hooks.DeclarationLines(ctx, tx, memberID, year)
	if err != nil || len(suggested) == 0 {
		return lines, err
	}
	given := make(map[pulid.ID]bool, len(lines))
	for _, l := range lines {
		given[l.ResourceID] = true
	}
	out := slices.Clone(lines)
	for _, id := range slices.Sorted(maps.Keys(suggested)) {
		if !given[id] {
			out = append(out, DeclaredLine{ResourceID: id, Quantity: suggested[id]})
		}
	}
	return out, nil
}

// Submit sends a complete DRAFT declaration to the groupement
// (SUBMITTED): it declares every resource shared EQUAL or PRO_RATA the
// member used during the year, an unused one with an explicit 0 (see
// checkComplete).
func (s *Declarations) Submit(ctx context.Context, id pulid.ID) (*ent.UsageDeclaration, error) {
	return s.moveDeclaration(ctx, id, declarationMove{
		from: usagedeclaration.StatusDRAFT, to: usagedeclaration.StatusSUBMITTED, verb: "submitted",
		check: checkComplete,
		set: func(u *ent.UsageDeclarationUpdate) {
			u.SetSubmittedAt(s.now().UTC()).ClearReturnComment()
		},
	})
}

// Return sends a SUBMITTED declaration back to its member for
// correction (RETURNED), saying why in comment, and tells the member by
// email.
func (s *Declarations) Return(ctx context.Context, id pulid.ID, comment string) (*ent.UsageDeclaration, error) {
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return nil, communs.InvalidField("comment", "say what the member should correct")
	}
	return s.moveDeclaration(ctx, id, declarationMove{
		from: usagedeclaration.StatusSUBMITTED, to: usagedeclaration.StatusRETURNED, verb: "returned",
		comment: comment,
		set:     func(u *ent.UsageDeclarationUpdate) { u.SetReturnComment(comment) },
		after: func(ctx context.Context, tx *ent.Client, d *ent.UsageDeclaration) error {
			sys := viewer.SystemContext(ctx)
			m, err := tx.Member.Get(sys, d.MemberID)
			if err != nil {
				return err
			}
			recipients, err := declarationRecipients(sys, tx, m)
			if err != nil {
				return err
			}
			for _, to := range recipients {
				err := notify.Enqueue(sys, tx, notify.Message{
					Kind:      notification.KindDECLARATION_RETURNED,
					Recipient: to,
					Subject:   fmt.Sprintf("Fiche déclarative %d à corriger", d.Year),
					Body: fmt.Sprintf("Bonjour,\n\nLe groupement vous retourne la fiche déclarative d'utilisation "+
						"des ressources %d de %s pour correction.\n\nMotif : %s\n\n"+
						"Corrigez-la puis transmettez-la à nouveau sur Communs.\n", d.Year, m.Name, comment),
					MemberID: &m.ID,
				})
				if err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// Validate accepts a SUBMITTED declaration (VALIDATED): the
// charge engine may use it.
func (s *Declarations) Validate(ctx context.Context, id pulid.ID) (*ent.UsageDeclaration, error) {
	return s.moveDeclaration(ctx, id, declarationMove{
		from: usagedeclaration.StatusSUBMITTED, to: usagedeclaration.StatusVALIDATED, verb: "validated",
		set: func(u *ent.UsageDeclarationUpdate) { u.SetValidatedAt(s.now().UTC()) },
	})
}

// Lock marks a VALIDATED declaration as used by a charge run
// (LOCKED): later changes are amendments. Locking a LOCKED declaration
// again changes nothing, so that a charge run can be run again.
func (s *Declarations) Lock(ctx context.Context, id pulid.ID) (*ent.UsageDeclaration, error) {
	return s.moveDeclaration(ctx, id, declarationMove{
		from: usagedeclaration.StatusVALIDATED, to: usagedeclaration.StatusLOCKED, verb: "locked",
		idempotent: true,
		set:        func(u *ent.UsageDeclarationUpdate) { u.SetLockedAt(s.now().UTC()) },
	})
}

// RemindDue asks every ACTIVE member that used a resource
// during year (a subscription in service for part of it) and has not
// submitted its declaration of year (none, or DRAFT or RETURNED) to do so:
// a DECLARATION_DUE notification to its contact email, or to its
// administrators. It returns the number of members reminded; a member
// without any address is skipped.
func (s *Declarations) RemindDue(ctx context.Context, year int) (int, error) {
	if err := checkYear(year); err != nil {
		return 0, err
	}
	reminded := 0
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		reminded = 0
		members, err := tx.Member.Query().
			Where(member.StatusEQ(member.StatusACTIVE),
				member.HasSubscriptionsWith(usedDuring(year)),
				member.Not(member.HasUsageDeclarationsWith(usagedeclaration.Year(year),
					usagedeclaration.StatusIn(usagedeclaration.StatusSUBMITTED,
						usagedeclaration.StatusVALIDATED, usagedeclaration.StatusLOCKED)))).
			Order(ent.Asc(member.FieldName), ent.Asc(member.FieldID)).
			All(ctx)
		if err != nil {
			return err
		}
		sys := viewer.SystemContext(ctx)
		for _, m := range members {
			recipients, err := declarationRecipients(sys, tx, m)
			if err != nil {
				return err
			}
			for _, to := range recipients {
				err := notify.Enqueue(sys, tx, notify.Message{
					Kind:      notification.KindDECLARATION_DUE,
					Recipient: to,
					Subject:   fmt.Sprintf("Fiche déclarative %d à transmettre", year),
					Body: fmt.Sprintf("Bonjour,\n\nLa fiche déclarative d'utilisation des ressources %d de %s "+
						"n'a pas encore été transmise au groupement. Elle fonde la part de chaque membre "+
						"dans les coûts communs, au prix de revient.\n\n"+
						"Merci de la compléter et de la transmettre sur Communs.\n", year, m.Name),
					MemberID: &m.ID,
				})
				if err != nil {
					return err
				}
			}
			if len(recipients) > 0 {
				reminded++
			}
		}
		return nil
	})
	return reminded, err
}

// declarationMove is a change of a declaration's status.
type declarationMove struct {
	from, to   usagedeclaration.Status
	verb       string // "submitted": what the move does, for messages
	comment    string // kept on the revision
	idempotent bool   // a declaration already in to is returned as it is
	check      func(ctx context.Context, tx *ent.Client, d *ent.UsageDeclaration, lines []schematype.DeclaredQuantity) error
	set        func(u *ent.UsageDeclarationUpdate)
	after      func(ctx context.Context, tx *ent.Client, d *ent.UsageDeclaration) error
}

// moveDeclaration applies mv to the declaration id, read under the
// caller's viewer. The update is conditional on the status and revision
// read, so of two concurrent changes only one wins; the other gets a
// CONFLICT.
func (s *Declarations) moveDeclaration(ctx context.Context, id pulid.ID, mv declarationMove) (*ent.UsageDeclaration, error) {
	var moved *ent.UsageDeclaration
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		d, err := tx.UsageDeclaration.Get(ctx, id)
		if err != nil {
			return notFoundAs(err, "declaration %s not found", id)
		}
		if mv.idempotent && d.Status == mv.to {
			moved = d
			return nil
		}
		if d.Status != mv.from {
			return communs.Errorf(communs.ECONFLICT,
				"the declaration of %d is %s: only a %s declaration can be %s", d.Year, d.Status, mv.from, mv.verb)
		}
		lines, err := currentLines(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if mv.check != nil {
			if err := mv.check(ctx, tx, d, lines); err != nil {
				return err
			}
		}
		if err := updateDeclaration(ctx, tx, d, mv.to, d.Revision+1, mv.set); err != nil {
			return err
		}
		if err := writeRevision(ctx, tx, d.ID, d.Revision+1, mv.to, false, lines, mv.comment); err != nil {
			return err
		}
		if moved, err = tx.UsageDeclaration.Get(ctx, id); err != nil {
			return err
		}
		if mv.after != nil {
			return mv.after(ctx, tx, moved)
		}
		return nil
	})
	return moved, err
}

// updateDeclaration sets d's status and revision, if d is still in the
// status and at the revision it was read with.
func updateDeclaration(ctx context.Context, tx *ent.Client, d *ent.UsageDeclaration, status usagedeclaration.Status, revision int, set func(*ent.UsageDeclarationUpdate)) error {
	u := tx.UsageDeclaration.Update().
		Where(usagedeclaration.ID(d.ID), usagedeclaration.StatusEQ(d.Status), usagedeclaration.Revision(d.Revision)).
		SetStatus(status).SetRevision(revision)
	if set != nil {
		set(u)
	}
	n, err := u.Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return communs.Errorf(communs.ECONFLICT, "the declaration of %d changed meanwhile: reload it and try again", d.Year)
	}
	return nil
}

// replaceLines replaces the lines of the declaration and returns them as a
// revision's snapshot.
func replaceLines(ctx context.Context, tx *ent.Client, declarationID pulid.ID, lines []DeclaredLine) ([]schematype.DeclaredQuantity, error) {
	sys := viewer.SystemContext(ctx)
	if _, err := tx.UsageDeclarationLine.Delete().
		Where(usagedeclarationline.DeclarationID(declarationID)).Exec(sys); err != nil {
		return nil, err
	}
	creates := make([]*ent.UsageDeclarationLineCreate, len(lines))
	snapshot := make([]schematype.DeclaredQuantity, len(lines))
	for i, l := range lines {
		creates[i] = tx.UsageDeclarationLine.Create().
			SetDeclarationID(declarationID).SetResourceID(l.ResourceID).SetQuantity(l.Quantity)
		snapshot[i] = schematype.DeclaredQuantity{ResourceID: l.ResourceID, Quantity: l.Quantity}
	}
	if len(creates) > 0 {
		if err := tx.UsageDeclarationLine.CreateBulk(creates...).Exec(sys); err != nil {
			return nil, err
		}
	}
	sortSnapshot(snapshot)
	return snapshot, nil
}

// currentLines returns the declaration's lines as a revision's snapshot.
func currentLines(ctx context.Context, tx *ent.Client, declarationID pulid.ID) ([]schematype.DeclaredQuantity, error) {
	lines, err := tx.UsageDeclarationLine.Query().
		Where(usagedeclarationline.DeclarationID(declarationID)).All(viewer.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	snapshot := make([]schematype.DeclaredQuantity, len(lines))
	for i, l := range lines {
		snapshot[i] = schematype.DeclaredQuantity{ResourceID: l.ResourceID, Quantity: l.Quantity}
	}
	sortSnapshot(snapshot)
	return snapshot, nil
}

// sortSnapshot puts a snapshot's lines in resource order, so that two
// revisions with the same lines read the same.
func sortSnapshot(lines []schematype.DeclaredQuantity) {
	slices.SortFunc(lines, func(a, b schematype.DeclaredQuantity) int {
		return strings.Compare(string(a.ResourceID), string(b.ResourceID))
	})
}

// writeRevision records the snapshot of a declaration's revision, by the
// caller's account.
func writeRevision(ctx context.Context, tx *ent.Client, declarationID pulid.ID, revision int, status usagedeclaration.Status, amendment bool, lines []schematype.DeclaredQuantity, comment string) error {
	var author *pulid.ID
	if v := viewer.FromContext(ctx); v != nil && v.AccountID != "" {
		author = &v.AccountID
	}
	return tx.UsageDeclarationRevision.Create().
		SetDeclarationID(declarationID).
		SetRevision(revision).
		SetStatus(usagedeclarationrevision.Status(status)).
		SetAmendment(amendment).
		SetLines(lines).
		SetComment(comment).
		SetNillableAuthorID(author).
		Exec(viewer.SystemContext(ctx))
}

// checkDeclaredResources checks that every line names a resource of the
// catalogue that the member subscribes to during year.
func checkDeclaredResources(ctx context.Context, tx *ent.Client, memberID pulid.ID, year int, lines []DeclaredLine) error {
	if len(lines) == 0 {
		return nil
	}
	ids := make([]pulid.ID, len(lines))
	for i, l := range lines {
		ids[i] = l.ResourceID
	}
	resources, err := tx.Resource.Query().Where(resource.IDIn(ids...)).All(ctx)
	if err != nil {
		return err
	}
	subscribed, err := tx.Subscription.Query().
		Where(subscription.MemberID(memberID), subscription.ResourceIDIn(ids...), subscribedDuring(year)).
		Select(subscription.FieldResourceID).Strings(ctx)
	if err != nil {
		return err
	}
	for i, l := range lines {
		j := slices.IndexFunc(resources, func(r *ent.Resource) bool { return r.ID == l.ResourceID })
		if j < 0 {
			return communs.InvalidField(fmt.Sprintf("lines[%d].resourceId", i), "no resource %s in the catalogue", l.ResourceID)
		}
		if !slices.Contains(subscribed, string(l.ResourceID)) {
			return communs.InvalidField(fmt.Sprintf("lines[%d].resourceId", i),
				"the member does not subscribe to %s in %d", resources[j].Name, year)
		}
	}
	return nil
}

// checkComplete refuses a declaration that leaves out a resource the
// member used during its year: every subscription in service during the
// year to a resource shared EQUAL or PRO_RATA needs its line, 0 when the
// resource was not used (the member confirms it by declaring it). A
// declaration that leaves one out would let the member weigh nothing on
// it while the others pay its share.
func checkComplete(ctx context.Context, tx *ent.Client, d *ent.UsageDeclaration, lines []schematype.DeclaredQuantity) error {
	if len(lines) == 0 {
		return communs.InvalidField("lines",
			"an empty declaration cannot be submitted: declare a quantity (0 if unused) for each subscribed resource")
	}
	declared := make([]pulid.ID, len(lines))
	for i, l := range lines {
		declared[i] = l.ResourceID
	}
	missing, err := tx.Resource.Query().
		Where(resource.AllocationKeyIn(resource.AllocationKeyEQUAL, resource.AllocationKeyPRO_RATA),
			resource.IDNotIn(declared...),
			resource.HasSubscriptionsWith(subscription.MemberID(d.MemberID), usedDuring(d.Year))).
		Order(ent.Asc(resource.FieldName)).Select(resource.FieldName).Strings(ctx)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return communs.InvalidField("lines",
			"the declaration leaves out resources the member used in %d: %s; declare each, with 0 if it was not used",
			d.Year, strings.Join(missing, ", "))
	}
	return nil
}

// usedDuring selects the subscriptions in service for at least part of
// year: ACTIVE, or ENDED after having started, with a period that overlaps
// the year.
func usedDuring(year int) predicate.Subscription {
	first, last := calendar.YearBounds(year)
	return subscription.And(
		subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusENDED),
		subscription.StartsOnNotNil(), subscription.StartsOnLTE(last),
		subscription.Or(subscription.EndsOnIsNil(), subscription.EndsOnGTE(first)),
	)
}

// subscribedDuring selects the subscriptions that let a member declare its
// usage of a resource for year: those in service during the year
// (usedDuring, which includes a subscription ended during the year: its
// months of use are charged too), and those requested by the end of the
// year and still waiting to be activated.
func subscribedDuring(year int) predicate.Subscription {
	_, last := calendar.YearBounds(year)
	return subscription.Or(
		usedDuring(year),
		subscription.And(subscription.StatusEQ(subscription.StatusREQUESTED), subscription.RequestedOnLTE(last)),
	)
}

// declarationRecipients returns where to write to a member about its
// declaration: its contact email or, without one, the emails of its
// administrators' accounts still in use. ctx must pass row isolation
// (the system).
func declarationRecipients(ctx context.Context, tx *ent.Client, m *ent.Member) ([]string, error) {
	if m.ContactEmail != nil && strings.TrimSpace(*m.ContactEmail) != "" {
		return []string{strings.TrimSpace(*m.ContactEmail)}, nil
	}
	return tx.RoleAssignment.Query().
		Where(roleassignment.MemberID(m.ID), roleassignment.RoleEQ(roleassignment.RoleMemberAdmin)).
		QueryAccount().
		Where(account.StatusNEQ(account.StatusDISABLED)).
		Order(ent.Asc(account.FieldEmail)).
		Unique(true).
		Select(account.FieldEmail).
		Strings(ctx)
}

func checkYear(year int) error {
	if year < 2000 || year > 2100 {
		return communs.InvalidField("year", "the year must be between 2000 and 2100")
	}
	return nil
}

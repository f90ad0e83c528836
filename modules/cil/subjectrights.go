package cil

import (
	"context"
	"fmt"

	"communs"
	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/ent/subjectrequest"
)

// PersonFiles is what the user record module offers the register: the
// Art. 15 export and the Art. 17 erasure of a person's file, with the
// user record's own rules (who may, a file still needed is not erased,
// every export logged). It is nil when that module is off.
type PersonFiles struct {
	Export func(ctx context.Context, personID pulid.ID, reason string) error
	Erase  func(ctx context.Context, personID pulid.ID, reason string) error
}

// Fulfil acts on the person's file a request names: an ACCESS request
// produces the Art. 15 export, an ERASURE request erases the file. The
// request records what was done and when, and is ANSWERED.
func (s *Service) Fulfil(ctx context.Context, id pulid.ID, files *PersonFiles) (*ent.SubjectRequest, error) {
	if files == nil {
		return nil, communs.Errorf(communs.EMODULEDISABLED, "the user record module is off: there is no person's file to act on")
	}
	return s.changeRequest(ctx, id, func(r *ent.SubjectRequest, u *ent.SubjectRequestUpdateOne) error {
		switch {
		case r.PersonID == nil:
			return communs.InvalidField("personId", "the request names no person's file: set its personID first")
		case r.Fulfilment != nil:
			return communs.Errorf(communs.ECONFLICT, "the request was fulfilled already (%s)", *r.Fulfilment)
		case r.Status == subjectrequest.StatusANSWERED || r.Status == subjectrequest.StatusREFUSED:
			return communs.Errorf(communs.ECONFLICT, "the request is %s already", r.Status)
		}
		reason := fmt.Sprintf("demande %s %s de %s", r.Type, r.ID, r.Requester)
		var done subjectrequest.Fulfilment
		switch r.Type {
		case subjectrequest.TypeACCESS:
			done = subjectrequest.FulfilmentACCESS_EXPORT
			if err := files.Export(ctx, *r.PersonID, reason); err != nil {
				return err
			}
		case subjectrequest.TypeERASURE:
			done = subjectrequest.FulfilmentERASURE
			if err := files.Erase(ctx, *r.PersonID, reason); err != nil {
				return err
			}
		default:
			return communs.InvalidField("id", "only an ACCESS or ERASURE request acts on the person's file; answer the others with answerSubjectRequest")
		}
		u.SetFulfilment(done).SetFulfilledAt(s.now().UTC()).
			SetStatus(subjectrequest.StatusANSWERED).SetAnsweredOn(s.today())
		return nil
	})
}

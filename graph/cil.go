package graph

import (
	"context"
	"encoding/json"

	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/ent/subjectrequest"
	"communs/graph/model"
	"communs/modules/cil"
)

// jsonText writes a revision's value as JSON text; nil when absent.
func jsonText(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	text := string(raw)
	return &text, nil
}

// personFiles lends the register the user record's export and erasure,
// when the module is on: the two modules meet here, not in each other.
func (r *Resolver) personFiles() *cil.PersonFiles {
	if r.userrecord == nil {
		return nil
	}
	return &cil.PersonFiles{
		Export: func(ctx context.Context, id pulid.ID, reason string) error {
			_, err := r.userrecord.Export(ctx, id, reason)
			return err
		},
		Erase: func(ctx context.Context, id pulid.ID, reason string) error {
			_, err := r.userrecord.Erase(ctx, id, reason)
			return err
		},
	}
}

// fulfilled is the payload of a fulfilled request: for an access, where
// the person's export is downloaded.
func fulfilled(req *ent.SubjectRequest) *model.FulfilSubjectRequestPayload {
	out := &model.FulfilSubjectRequestPayload{Request: req}
	if req.Fulfilment != nil && *req.Fulfilment == subjectrequest.FulfilmentACCESS_EXPORT {
		path := "/exports/userrecord/persons/" + string(*req.PersonID)
		out.ExportPath = &path
	}
	return out
}

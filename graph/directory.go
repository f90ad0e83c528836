package graph

import (
	"bytes"
	"context"
	"encoding/base64"

	"communs"
	"communs/graph/model"
	"communs/modules/directory"
)

// importExtract decodes an uploaded FINESS extract and imports it.
func importExtract(ctx context.Context, svc *directory.Service, in model.ImportFinessExtractInput) (*directory.ImportReport, error) {
	content, err := base64.StdEncoding.DecodeString(in.ContentBase64)
	if err != nil {
		return nil, communs.InvalidField("contentBase64", "the file must be base64-encoded")
	}
	return svc.Import(ctx, in.MemberID, bytes.NewReader(content), nil)
}

package graph

import (
	"bytes"
	"context"

	"communs/graph/model"
	"communs/modules/directory"
)

// importExtract decodes an uploaded FINESS extract and imports it.
func importExtract(ctx context.Context, svc *directory.Service, in model.ImportFinessExtractInput) (*directory.ImportReport, error) {
	content, err := decodeFile(in.ContentBase64)
	if err != nil {
		return nil, err
	}
	return svc.Import(ctx, in.MemberID, bytes.NewReader(content), nil)
}

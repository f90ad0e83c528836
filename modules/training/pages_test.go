package training

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// TestTrainingPageStyleIsAllowed: the style sheet the pages carry is the
// one their Content-Security-Policy allows by hash, byte for byte.
func TestTrainingPageStyleIsAllowed(t *testing.T) {
	t.Parallel()
	var page bytes.Buffer
	if err := pages.ExecuteTemplate(&page, "report", &TrainingReport{Year: 2026}); err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(page.String(), "<style>")
	style, _, found := strings.Cut(rest, "</style>")
	sum := sha256.Sum256([]byte(style))
	if !found || !strings.Contains(pagePolicy, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("the style %q is not the one %q allows", style, pagePolicy)
	}
	if !strings.Contains(page.String(), "Aucune formation suivie") {
		t.Errorf("an empty report:\n%s", page.String())
	}
}

package memberdocs

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
)

// Media types of the documents accepted. Each is detected from the bytes
// (http.DetectContentType, then a look inside a zip for the office
// formats): what the client claims is never trusted.
const (
	typePDF  = "application/pdf"
	typePNG  = "image/png"
	typeJPEG = "image/jpeg"
	typeODT  = "application/vnd.oasis.opendocument.text"
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// DetectType returns the media type of content and whether it is one the
// documents may have: PDF, PNG, JPEG, ODT or DOCX. HTML, scripts,
// executables and any other zip are refused.
func DetectType(content []byte) (string, bool) {
	switch sniffed := http.DetectContentType(content); sniffed {
	case typePDF, typePNG, typeJPEG:
		return sniffed, true
	case "application/zip":
		return officeType(content)
	}
	return "", false
}

// officeType recognises an OpenDocument text (its first entry is the file
// "mimetype" naming it) or a Word document (it holds word/document.xml).
func officeType(content []byte) (string, bool) {
	r, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil || len(r.File) == 0 {
		return "", false
	}
	if first := r.File[0]; first.Name == "mimetype" && first.UncompressedSize64 < 100 {
		if f, err := first.Open(); err == nil {
			defer f.Close()
			declared, _ := io.ReadAll(io.LimitReader(f, 100))
			if strings.TrimSpace(string(declared)) == typeODT {
				return typeODT, true
			}
		}
	}
	for _, f := range r.File {
		if f.Name == "word/document.xml" {
			return typeDOCX, true
		}
	}
	return "", false
}

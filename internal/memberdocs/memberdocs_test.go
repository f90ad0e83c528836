package memberdocs

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// zipOf returns a zip holding files, in order, each with its content.
func zipOf(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f[0], Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(f[1]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetectType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		content []byte
		want    string // "" for refused
	}{
		{"pdf", []byte("%PDF-1.7\n1 0 obj\n"), typePDF},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), typePNG},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), typeJPEG},
		{"odt", zipOf(t, [2]string{"mimetype", typeODT}, [2]string{"content.xml", "<x/>"}), typeODT},
		{"docx", zipOf(t, [2]string{"[Content_Types].xml", "<x/>"}, [2]string{"word/document.xml", "<x/>"}), typeDOCX},
		{"html", []byte("<!DOCTYPE html><script>alert(1)</script>"), ""},
		{"html named pdf", []byte("<html><body>%PDF-1.7</body></html>"), ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ""},
		{"windows executable", []byte("MZ\x90\x00\x03\x00\x00\x00"), ""},
		{"elf executable", []byte("\x7fELF\x02\x01\x01"), ""},
		{"plain text", []byte("just text"), ""},
		{"other zip", zipOf(t, [2]string{"payload.exe", "MZ"}), ""},
		{"empty", nil, ""},
	} {
		got, ok := DetectType(tc.content)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s: DetectType = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

func TestAttachment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{
		{"statuts.pdf", `attachment; filename="statuts.pdf"; filename*=UTF-8''statuts.pdf`},
		{`Statuts signés "2026".pdf`, `attachment; filename="Statuts sign_s _2026_.pdf"; filename*=UTF-8''Statuts%20sign%C3%A9s%20%222026%22.pdf`},
		{"a;b\\c%d.pdf", `attachment; filename="a;b_c_d.pdf"; filename*=UTF-8''a%3Bb%5Cc%25d.pdf`},
	} {
		if got := Attachment(tc.name); got != tc.want {
			t.Errorf("Attachment(%q) = %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestCleanFileName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"statuts.pdf", "statuts.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\convention.pdf`, "convention.pdf"},
		{"bad\x00\r\nname.pdf", "badname.pdf"},
		{strings.Repeat("é", 200) + ".pdf", strings.Repeat("é", 127)},
		{"", ""},
		{"..", ""},
		{"dir/", "dir"},
	} {
		got, err := cleanFileName(tc.in)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("cleanFileName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

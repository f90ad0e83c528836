package cil

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/processingrecord"
	"communs/ent/schema/pulid"
	"communs/ent/subjectrequest"
)

func exportPtr[T any](v T) *T { return &v }

// exportSample is a register with a controller record (health data of
// vulnerable people, a transfer), a processor record whose name tries a
// script and a formula, a breach notified late and two requests.
func exportSample() Register {
	created := time.Date(2026, 1, 12, 8, 30, 0, 0, time.UTC)
	updated := time.Date(2026, 2, 3, 16, 0, 0, 0, time.UTC)
	payroll := &ent.ProcessingRecord{
		ID: "PRC01", Role: processingrecord.RoleCONTROLLER, Name: "Dossier de l’usager",
		Status: processingrecord.StatusACTIVE, Revision: 3, NextReviewOn: exportPtr(rulesDay(2027, 1, 15)),
		Controller: "Association Les Tilleuls, 3 rue des Lilas, 69003 Lyon", JointControllers: []string{"ARS Auvergne-Rhône-Alpes"},
		DpoContact: "dpo@tilleuls.example",
		Purposes:   []string{"Accompagnement des usagers", "Coordination des soins", "Statistiques d’activité"},
		LegalBasis: "c) obligation légale", SpecialCategoryCondition: "h) prise en charge sanitaire ou sociale",
		DataSubjects: []string{"Usagers", "Proches aidants"}, DataCategories: []string{"Identité", "Vie personnelle"},
		SpecialCategories: []string{"Santé"}, Recipients: []string{"Équipe soignante", "Médecin traitant"},
		Transfers:        []string{"États-Unis, éditeur du logiciel : clauses contractuelles types"},
		Retention:        []string{"Dossier : 20 ans après la dernière prise en charge", "Facturation : 10 ans"},
		SecurityMeasures: []string{"Contrôle d’accès", "Journalisation", "Chiffrement"}, DataSources: []string{"Usager"},
		Modules:      []string{"directory"},
		DpiaCriteria: []string{"SENSITIVE_DATA", "VULNERABLE_SUBJECTS"}, DpiaRequired: true,
		DpiaStatus: processingrecord.DpiaStatusDONE, DpiaConclusion: "Risques résiduels acceptables",
		CreatedAt: created, UpdatedAt: updated,
	}
	hosting := &ent.ProcessingRecord{
		ID: "PRC02", Role: processingrecord.RolePROCESSOR, Name: `<script>alert("x")</script>Hébergement`,
		Status: processingrecord.StatusDRAFT, Revision: 1,
		Controller: "=HYPERLINK(\"http://evil.example\",\"clic\")", Processor: "GSM Numérique Solidaire",
		ProcessingCategories: "Hébergement et sauvegarde", Purposes: []string{"-2+3"},
		DataCategories: []string{"+33 6 12 34 56 78", "@mention"}, SecurityMeasures: []string{"\tTabulation"},
		DpiaStatus: processingrecord.DpiaStatusNOT_ASSESSED, CreatedAt: created, UpdatedAt: created,
	}
	detected := time.Date(2026, 2, 10, 14, 0, 0, 0, time.UTC)
	return Register{
		Owner:       "Association Les Tilleuls",
		GeneratedAt: time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC),
		Records:     []*ent.ProcessingRecord{payroll, nil, hosting},
		Breaches: []*ent.Breach{{
			ID: "BRC01", DetectedAt: detected, Nature: "Perte d’un ordinateur portable non chiffré",
			DataCategories: []string{"Identité", "Santé"}, PersonsApprox: 120, RecordsApprox: 400,
			Consequences: "Divulgation possible", Measures: "Effacement à distance",
			AuthorityNotifiedAt: exportPtr(detected.Add(80 * time.Hour)), LateNotificationReason: "Constat un vendredi soir",
			PersonsNotInformedReason: "Effacement à distance confirmé", RecordIds: []string{"PRC01"},
			CreatedAt: detected, UpdatedAt: detected,
		}},
		Requests: []*ent.SubjectRequest{
			{ID: "DSR01", Type: subjectrequest.TypeACCESS, Requester: "Jeanne Martin", ReceivedOn: rulesDay(2026, 1, 31),
				DueOn: rulesDay(2026, 2, 28), Status: subjectrequest.StatusANSWERED, AnsweredOn: exportPtr(rulesDay(2026, 2, 20)),
				RecordID: exportPtr(pulid.ID("PRC01")), CreatedAt: created, UpdatedAt: updated},
			{ID: "DSR02", Type: subjectrequest.TypeERASURE, Requester: "Paul Durand", ReceivedOn: rulesDay(2026, 1, 5),
				DueOn: rulesDay(2026, 2, 5), Status: subjectrequest.StatusIN_PROGRESS, CreatedAt: created, UpdatedAt: created},
		},
	}
}

func exportReadCSV(t *testing.T, records []*ent.ProcessingRecord) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, records); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	raw := buf.String()
	if !strings.HasPrefix(raw, "\uFEFF") {
		t.Fatalf("CSV does not start with a UTF-8 BOM: %q", raw[:min(len(raw), 10)])
	}
	if !strings.Contains(raw, "\r\n") {
		t.Errorf("CSV lines do not end with CRLF (RFC 4180)")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v\n%s", err, raw)
	}
	return rows
}

func TestWriteCSV(t *testing.T) {
	r := exportSample()
	rows := exportReadCSV(t, r.Records)

	if !reflect.DeepEqual(rows[0], CSVColumns) {
		t.Errorf("header =\n%q\nwant CSVColumns\n%q", rows[0], CSVColumns)
	}
	if got, want := len(rows), 1+2; got != want {
		t.Fatalf("%d rows, want %d (header and one row per non-nil record)", got, want)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		if _, dup := col[h]; dup {
			t.Errorf("column %q appears twice", h)
		}
		col[h] = i
	}
	cell := func(row int, column string) string {
		t.Helper()
		i, ok := col[column]
		if !ok {
			t.Fatalf("no column %q", column)
		}
		return rows[row][i]
	}
	for column, want := range map[string]string{
		"Nom / sigle":                         "Dossier de l’usager",
		"N° / REF":                            "PRC01",
		"Date de création":                    "2026-01-12",
		"Dernière mise à jour":                "2026-02-03",
		"Responsable(s) conjoint(s)":          "ARS Auvergne-Rhône-Alpes",
		"Délégué à la protection des données": "dpo@tilleuls.example",
		"Finalité principale":                 "Accompagnement des usagers",
		"Sous-finalités":                      "Coordination des soins ; Statistiques d’activité",
		"Transferts hors UE ?":                "Oui",
		"Données sensibles ?":                 "Oui",
		"Catégories de personnes concernées":  "Usagers ; Proches aidants",
		"Destinataires":                       "Équipe soignante ; Médecin traitant",
		"Mesures de sécurité":                 "Contrôle d’accès ; Journalisation ; Chiffrement",
		"Durées de conservation":              "Dossier : 20 ans après la dernière prise en charge ; Facturation : 10 ans",
		"Transferts hors UE":                  "États-Unis, éditeur du logiciel : clauses contractuelles types",
		"Rôle":                                "Responsable de traitement (art. 30.1)",
		"Statut":                              "En vigueur",
		"Version":                             "3",
		"Prochaine revue":                     "2027-01-15",
		"AIPD requise":                        "Oui",
		"AIPD : liste de la CNIL":             "Non",
		"AIPD : statut":                       "Réalisée",
		"AIPD : critères remplis":             DPIACriterionLabel("SENSITIVE_DATA") + " ; " + DPIACriterionLabel("VULNERABLE_SUBJECTS"),
	} {
		if got := cell(1, column); got != want {
			t.Errorf("record 1, %s = %q, want %q", column, got, want)
		}
	}
	for column, want := range map[string]string{
		"Transferts hors UE ?": "Non",
		"Données sensibles ?":  "Non",
		"Sous-traitant":        "GSM Numérique Solidaire",
		"Rôle":                 "Sous-traitant (art. 30.2)",
		"Sous-finalités":       "",
		"Prochaine revue":      "",
	} {
		if got := cell(2, column); got != want {
			t.Errorf("record 2, %s = %q, want %q", column, got, want)
		}
	}
}

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	rows := exportReadCSV(t, exportSample().Records[2:])
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for column, want := range map[string]string{
		"Responsable du traitement":                     `'=HYPERLINK("http://evil.example","clic")`,
		"Finalité principale":                           "'-2+3",
		"Catégories de données personnelles concernées": "'+33 6 12 34 56 78 ; @mention",
		"Mesures de sécurité":                           "'\tTabulation",
	} {
		if got := rows[1][col[column]]; got != want {
			t.Errorf("%s = %q, want %q", column, got, want)
		}
	}
	for i, c := range rows[1] {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Errorf("cell %s = %q still starts like a formula", rows[0][i], c)
		}
	}
}

func TestWriteCSVNoRecords(t *testing.T) {
	rows := exportReadCSV(t, nil)
	if len(rows) != 1 || !reflect.DeepEqual(rows[0], CSVColumns) {
		t.Errorf("CSV of no record = %q, want the header row only", rows)
	}
}

func TestExportCSVNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"":         "",
		"Paie":     "Paie",
		"=1+1":     "'=1+1",
		"+1":       "'+1",
		"-1":       "'-1",
		"@SUM(A1)": "'@SUM(A1)",
		"\tx":      "'\tx",
		"\rx":      "'\rx",
		" =1":      " =1",
		"a=1":      "a=1",
	} {
		if got := csvNeutralise(in); got != want {
			t.Errorf("csvNeutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExportJSONRoundTrip(t *testing.T) {
	r := exportSample()
	r.Records = []*ent.ProcessingRecord{r.Records[0], r.Records[2]} // JSON keeps nil entries as null; compare without
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	if !strings.HasPrefix(buf.String(), "{\n  \"owner\"") {
		t.Errorf("JSON is not indented: %.40q", buf.String())
	}
	var back Register
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("JSON does not parse back: %v", err)
	}
	if !reflect.DeepEqual(back, r) {
		a, _ := json.Marshal(back)
		b, _ := json.Marshal(r)
		t.Errorf("JSON round trip differs:\n%s\nwant\n%s", a, b)
	}
	for _, key := range []string{`"generated_at"`, `"records"`, `"breaches"`, `"requests"`, `"dpia_criteria"`, `"late_notification_reason"`, `"due_on"`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("JSON has no %s", key)
		}
	}
}

func TestWriteHTML(t *testing.T) {
	r := exportSample()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	page := buf.String()
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Errorf("page contains a script element: the record name was not escaped, or the page has JavaScript")
	}
	for _, want := range []string{
		`<html lang="fr">`,
		"@page { size: A4",
		"Registre des activités de traitement",
		"Association Les Tilleuls",
		"Édité le 20/03/2026 à 11:00", // Paris time
		// the records, escaped
		"Dossier de l’usager",
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;Hébergement",
		// Art. 30 fields
		"Accompagnement des usagers", "Sous-finalité 2", "Statistiques d’activité",
		"ARS Auvergne-Rhône-Alpes", "dpo@tilleuls.example", "Proches aidants", "Santé",
		"20 ans après la dernière prise en charge", "Facturation : 10 ans", "Médecin traitant",
		"États-Unis, éditeur du logiciel : clauses contractuelles types",
		"Journalisation", "h) prise en charge sanitaire ou sociale", "Hébergement et sauvegarde",
		// DPIA screening
		"Analyse d’impact (AIPD)", DPIACriterionLabel("PREVENTS_RIGHT_OR_SERVICE"), "2 sur 9", "Réalisée", "Risques résiduels acceptables",
		// breach register
		"Registre des violations de données", "Perte d’un ordinateur portable non chiffré",
		"Violation détectée le 10/02/2026 à 15:00", "3 j 8 h après la détection", "Constat un vendredi soir",
		"environ 120", "Effacement à distance confirmé",
		// request log
		"Journal des demandes d’exercice des droits", "Jeanne Martin", "Accès (art. 15)", "28/02/2026", "Dans le délai",
		"Paul Durand", "Effacement (art. 17)", "En retard",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page has no %q", want)
		}
	}
	if strings.Index(page, "Dossier de l’usager") > strings.Index(page, "Registre des violations") ||
		strings.Index(page, "Registre des violations") > strings.Index(page, "Journal des demandes") {
		t.Errorf("sections out of order: records, then breaches, then requests")
	}
}

func TestWriteHTMLEmptyRegister(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, Register{Owner: "GSM"}); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	for _, want := range []string{"Aucun traitement enregistré.", "Aucune violation de données enregistrée.", "Aucune demande enregistrée."} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("page of an empty register has no %q", want)
		}
	}
}

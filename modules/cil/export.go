package cil

// Exports of a register, for the CIL referent and for the CNIL on request
// (Art. 30(4): the register is made available to the supervisory authority
// on request): a CSV file in the shape of the CNIL's model register, the
// whole register as JSON, and a printable HTML page.

import (
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"communs/ent"
	"communs/ent/processingrecord"
	"communs/ent/schema/pulid"
	"communs/ent/subjectrequest"
	"communs/internal/calendar"
)

// CSVColumns are the columns of the CNIL's register template ("modèle de
// registre"), one row per processing activity, followed by the columns this
// register keeps beyond it.
//
// Source. The CNIL publishes its model register as a spreadsheet (.ods,
// 2019, "registre simplifié") and as a PDF ("registre_rgpd_basique",
// 2018): a "Registre" tab listing the activities, then one "Modèle de fiche
// de registre" tab per activity. The spreadsheet itself could not be
// retrieved here; the headers below come from two independent
// reproductions of it found in public code, which agree with each other and
// with the sections of the PDF's fiche:
//   - the "Registre" tab (list of activities): "Identification du
//     traitement" (Nom / sigle, N° / REF, Date de création, Dernière mise à
//     jour), "Acteur" (Responsable du traitement), "Finalité du traitement"
//     (Finalité principale), "Transferts hors UE ?" (oui / non), "Données
//     sensibles ?" (oui / non);
//   - the fiche: "Description du traitement" (Nom, N° / REF, dates),
//     "Acteurs" (Responsable du traitement, Délégué à la protection des
//     données, Représentant, Responsable(s) conjoint(s)), "Finalité(s) du
//     traitement effectué" (Finalité principale, Sous-finalité 1 to 5),
//     "Catégories de données personnelles concernées" (description, durée
//     de conservation), "Données sensibles", "Catégories de personnes
//     concernées", "Destinataires", "Mesures de sécurité", "Transferts hors
//     UE" (destinataire, pays, garanties).
//
// The section names and the summary headers are those of the CNIL model
// (fairly sure); the model is a sheet per activity, not a flat table, so
// flattening it into one row per record, with the fiche's repeated rows
// (sub-purposes, categories, recipients…) joined in one cell, is ours, as
// are the exact wordings of the columns taken from the fiche's section
// titles. "Représentant" (Art. 27, for controllers established outside the
// Union) is kept for fidelity and always empty here. The columns after
// "Mesures de sécurité" are not in the CNIL model: the processor's record
// (Art. 30(2)), the legal bases (Art. 6 and 9), the review and the DPIA
// screening.
var CSVColumns = []string{
	// Identification du traitement
	"Nom / sigle",
	"N° / REF",
	"Date de création",
	"Dernière mise à jour",
	// Acteurs
	"Responsable du traitement",
	"Représentant",
	"Responsable(s) conjoint(s)",
	"Délégué à la protection des données",
	// Finalité(s) du traitement effectué
	"Finalité principale",
	"Sous-finalités",
	// The two yes/no columns of the "Registre" tab
	"Transferts hors UE ?",
	"Données sensibles ?",
	// The fiche's sections
	"Catégories de données personnelles concernées",
	"Données sensibles",
	"Durées de conservation",
	"Catégories de personnes concernées",
	"Destinataires",
	"Transferts hors UE",
	"Mesures de sécurité",
	// Beyond the CNIL model
	"Rôle",
	"Sous-traitant",
	"Catégories de traitements effectués pour le compte du responsable",
	"Base légale (art. 6)",
	"Condition de l’article 9",
	"Sources des données",
	"Statut",
	"Version",
	"Prochaine revue",
	"AIPD : critères remplis",
	"AIPD : liste de la CNIL",
	"AIPD requise",
	"AIPD : statut",
	"AIPD : conclusion",
	"Champs manquants (art. 30)",
}

// csvListSeparator joins the items of a list in one cell.
const csvListSeparator = " ; "

// exportBOM starts the CSV file so that spreadsheet software (Excel notably)
// reads it as UTF-8.
const exportBOM = "\uFEFF"

// WriteCSV writes records as CSV (RFC 4180: comma separated, CRLF line
// ends, UTF-8 with a BOM): the CSVColumns row, then one row per record.
// Lists are joined with " ; ", dates are written 2006-01-02, enumerations
// in French. Cells that a spreadsheet would run as a formula are
// neutralised. Nil records are skipped.
func WriteCSV(w io.Writer, records []*ent.ProcessingRecord) error {
	if _, err := io.WriteString(w, exportBOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, r := range records {
		if r == nil {
			continue
		}
		row := csvRow(r)
		if len(row) != len(CSVColumns) {
			return fmt.Errorf("cil: CSV row of record %s has %d cells for %d columns", r.ID, len(row), len(CSVColumns))
		}
		for i := range row {
			row[i] = csvNeutralise(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvRow is the row of r, in the order of CSVColumns.
func csvRow(r *ent.ProcessingRecord) []string {
	main, subs := splitPurposes(r.Purposes)
	return []string{
		r.Name,
		string(r.ID),
		exportISODate(r.CreatedAt),
		exportISODate(r.UpdatedAt),

		r.Controller,
		"",
		csvJoin(r.JointControllers),
		r.DpoContact,

		main,
		csvJoin(subs),

		ouiNon(len(r.Transfers) > 0),
		ouiNon(len(r.SpecialCategories) > 0),

		csvJoin(r.DataCategories),
		csvJoin(r.SpecialCategories),
		csvJoin(r.Retention),
		csvJoin(r.DataSubjects),
		csvJoin(r.Recipients),
		csvJoin(r.Transfers),
		csvJoin(r.SecurityMeasures),

		roleLabel(r.Role),
		r.Processor,
		r.ProcessingCategories,
		r.LegalBasis,
		r.SpecialCategoryCondition,
		csvJoin(r.DataSources),
		recordStatusLabel(r.Status),
		strconv.Itoa(r.Revision),
		exportOptionalISODate(r.NextReviewOn),
		csvJoin(criterionLabels(r.DpiaCriteria)),
		ouiNon(r.DpiaCnilList),
		ouiNon(r.DpiaRequired),
		dpiaStatusLabel(r.DpiaStatus),
		r.DpiaConclusion,
		csvJoin(MissingFields(r)),
	}
}

func csvJoin(items []string) string { return strings.Join(items, csvListSeparator) }

// csvNeutralise guards against CSV formula injection (OWASP): the register
// is written by people, and a cell starting with =, +, -, @, a tab or a
// carriage return may be run as a formula by spreadsheet software. Such a
// cell gets a leading single quote, so it reads as text.
func csvNeutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// splitPurposes is the main purpose, the first, and the sub-purposes, the
// others, as the CNIL's fiche lays them out.
func splitPurposes(purposes []string) (main string, subs []string) {
	if len(purposes) == 0 {
		return "", nil
	}
	return purposes[0], purposes[1:]
}

func criterionLabels(criteria []string) []string {
	out := make([]string, 0, len(criteria))
	for _, c := range criteria {
		out = append(out, DPIACriterionLabel(c))
	}
	return out
}

func ouiNon(b bool) string {
	if b {
		return "Oui"
	}
	return "Non"
}

func exportISODate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func exportOptionalISODate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return exportISODate(*t)
}

// exportFrDate writes a calendar day (stored at midnight UTC) the French
// way.
func exportFrDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02/01/2006")
}

// exportFrInstant writes an instant as a day and time in Paris.
func exportFrInstant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(calendar.Paris).Format("02/01/2006 à 15:04")
}

var roleLabels = map[processingrecord.Role]string{
	processingrecord.RoleCONTROLLER: "Responsable de traitement (art. 30.1)",
	processingrecord.RolePROCESSOR:  "Sous-traitant (art. 30.2)",
}

func roleLabel(r processingrecord.Role) string { return labelOr(roleLabels, r) }

var recordStatusLabels = map[processingrecord.Status]string{
	processingrecord.StatusDRAFT:    "Brouillon",
	processingrecord.StatusACTIVE:   "En vigueur",
	processingrecord.StatusARCHIVED: "Archivé",
}

func recordStatusLabel(s processingrecord.Status) string { return labelOr(recordStatusLabels, s) }

var dpiaStatusLabels = map[processingrecord.DpiaStatus]string{
	processingrecord.DpiaStatusNOT_ASSESSED: "Non évaluée",
	processingrecord.DpiaStatusNOT_REQUIRED: "Non requise",
	processingrecord.DpiaStatusTO_DO:        "À réaliser",
	processingrecord.DpiaStatusIN_PROGRESS:  "En cours",
	processingrecord.DpiaStatusDONE:         "Réalisée",
}

func dpiaStatusLabel(s processingrecord.DpiaStatus) string { return labelOr(dpiaStatusLabels, s) }

var requestTypeLabels = map[subjectrequest.Type]string{
	subjectrequest.TypeACCESS:        "Accès (art. 15)",
	subjectrequest.TypeRECTIFICATION: "Rectification (art. 16)",
	subjectrequest.TypeERASURE:       "Effacement (art. 17)",
	subjectrequest.TypeRESTRICTION:   "Limitation (art. 18)",
	subjectrequest.TypePORTABILITY:   "Portabilité (art. 20)",
	subjectrequest.TypeOBJECTION:     "Opposition (art. 21)",
}

var requestStatusLabels = map[subjectrequest.Status]string{
	subjectrequest.StatusRECEIVED:    "Reçue",
	subjectrequest.StatusIN_PROGRESS: "En cours",
	subjectrequest.StatusANSWERED:    "Répondue",
	subjectrequest.StatusREFUSED:     "Refusée",
}

// labelOr is the French label of an enumeration value, or the value itself.
func labelOr[K ~string](labels map[K]string, k K) string {
	if s, ok := labels[k]; ok {
		return s
	}
	return string(k)
}

// Register is a whole register, as exported: its processing records, its
// breach register (Art. 33(5)) and its log of data subjects' requests.
type Register struct {
	Owner       string                  `json:"owner"` // the groupement or the member whose register it is
	GeneratedAt time.Time               `json:"generated_at"`
	Records     []*ent.ProcessingRecord `json:"records"`
	Breaches    []*ent.Breach           `json:"breaches"`
	Requests    []*ent.SubjectRequest   `json:"requests"`
}

// WriteJSON writes the whole register as indented JSON, every field of
// every row as the API names them, and the records still incomplete with
// what they lack (MissingFields).
func WriteJSON(w io.Writer, r Register) error {
	incomplete := map[pulid.ID][]string{}
	for _, rec := range r.Records {
		if missing := MissingFields(rec); len(missing) > 0 {
			incomplete[rec.ID] = missing
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Register
		IncompleteRecords map[pulid.ID][]string `json:"incomplete_records"`
	}{r, incomplete})
}

//go:embed register.html
var registerTemplateText string

var registerPage = template.Must(template.New("register").
	Funcs(template.FuncMap{"add1": func(i int) int { return i + 1 }}).
	Parse(registerTemplateText))

// WriteHTML writes the whole register as one printable A4 page in French,
// ready for an inspection: inline CSS, no external assets, no JavaScript.
// It shows the list of activities (the "Registre" tab of the CNIL's model),
// one fiche per record with every Art. 30 field, its DPIA screening and
// status, then the breach register (Art. 33(5)) and the log of data
// subjects' requests (Art. 12 and 15 to 21).
func WriteHTML(w io.Writer, r Register) error {
	return registerPage.Execute(w, newRegisterView(r))
}

// registerView is what register.html prints: strings ready for display,
// which html/template escapes.
type registerView struct {
	Owner       string
	GeneratedAt string
	Records     []recordView
	Breaches    []breachView
	Requests    []requestView
}

type recordView struct {
	Anchor                   string
	Name                     string
	Ref                      string
	Role                     string
	Processor                bool
	Status                   string
	Revision                 int
	CreatedOn                string
	UpdatedOn                string
	NextReviewOn             string
	Controller               string
	JointControllers         []string
	DpoContact               string
	ProcessorName            string
	ProcessingCategories     string
	MainPurpose              string
	SubPurposes              []string
	LegalBasis               string
	SpecialCategoryCondition string
	DataSubjects             []string
	DataCategories           []string
	SpecialCategories        []string
	DataSources              []string
	Retention                []string
	Recipients               []string
	Transfers                []string
	SecurityMeasures         []string
	Modules                  []string
	ResourceCodes            []string
	HasTransfers             string
	HasSpecial               string
	Criteria                 []criterionView
	CriteriaMet              int
	CNILList                 string
	DPIARequired             string
	DPIAStatus               string
	DPIAConclusion           string
}

type criterionView struct {
	Label string
	Met   bool
}

type breachView struct {
	DetectedAt         string
	Nature             string
	DataCategories     []string
	Persons            string
	Records            string
	Consequences       string
	Measures           string
	Notification       string
	Late               bool
	LateReason         string
	PersonsInformation string
	Concerned          []string
}

type requestView struct {
	ReceivedOn string
	Type       string
	Requester  string
	Record     string
	DueOn      string
	Extension  string
	Status     string
	AnsweredOn string
	Timing     string
	Overdue    bool
}

func newRegisterView(r Register) registerView {
	v := registerView{Owner: r.Owner, GeneratedAt: exportFrInstant(r.GeneratedAt)}
	names := map[pulid.ID]string{}
	for _, rec := range r.Records {
		if rec == nil {
			continue
		}
		names[rec.ID] = rec.Name
		v.Records = append(v.Records, newRecordView(rec))
	}
	recordName := func(id pulid.ID) string {
		if n, ok := names[id]; ok {
			return n
		}
		return string(id)
	}
	for _, b := range r.Breaches {
		if b != nil {
			v.Breaches = append(v.Breaches, newBreachView(b, r.GeneratedAt, recordName))
		}
	}
	today := calendar.DayInParis(r.GeneratedAt)
	for _, q := range r.Requests {
		if q != nil {
			v.Requests = append(v.Requests, newRequestView(q, today, recordName))
		}
	}
	return v
}

func newRecordView(r *ent.ProcessingRecord) recordView {
	main, subs := splitPurposes(r.Purposes)
	v := recordView{
		Anchor:                   "traitement-" + string(r.ID),
		Name:                     r.Name,
		Ref:                      string(r.ID),
		Role:                     roleLabel(r.Role),
		Processor:                r.Role == processingrecord.RolePROCESSOR,
		Status:                   recordStatusLabel(r.Status),
		Revision:                 r.Revision,
		CreatedOn:                exportFrDate(r.CreatedAt),
		UpdatedOn:                exportFrDate(r.UpdatedAt),
		Controller:               r.Controller,
		JointControllers:         r.JointControllers,
		DpoContact:               r.DpoContact,
		ProcessorName:            r.Processor,
		ProcessingCategories:     r.ProcessingCategories,
		MainPurpose:              main,
		SubPurposes:              subs,
		LegalBasis:               r.LegalBasis,
		SpecialCategoryCondition: r.SpecialCategoryCondition,
		DataSubjects:             r.DataSubjects,
		DataCategories:           r.DataCategories,
		SpecialCategories:        r.SpecialCategories,
		DataSources:              r.DataSources,
		Recipients:               r.Recipients,
		Retention:                r.Retention,
		Transfers:                r.Transfers,
		SecurityMeasures:         r.SecurityMeasures,
		Modules:                  r.Modules,
		ResourceCodes:            r.ResourceCodes,
		HasTransfers:             ouiNon(len(r.Transfers) > 0),
		HasSpecial:               ouiNon(len(r.SpecialCategories) > 0),
		CNILList:                 ouiNon(r.DpiaCnilList),
		DPIARequired:             ouiNon(r.DpiaRequired),
		DPIAStatus:               dpiaStatusLabel(r.DpiaStatus),
		DPIAConclusion:           r.DpiaConclusion,
	}
	if r.NextReviewOn != nil {
		v.NextReviewOn = exportFrDate(*r.NextReviewOn)
	}
	met := map[string]bool{}
	for _, c := range r.DpiaCriteria {
		met[c] = true
	}
	for _, c := range DPIACriteria {
		v.Criteria = append(v.Criteria, criterionView{Label: DPIACriterionLabel(c), Met: met[c]})
		if met[c] {
			v.CriteriaMet++
		}
	}
	return v
}

func newBreachView(b *ent.Breach, now time.Time, recordName func(pulid.ID) string) breachView {
	v := breachView{
		DetectedAt:     exportFrInstant(b.DetectedAt),
		Nature:         b.Nature,
		DataCategories: b.DataCategories,
		Persons:        approx(b.PersonsApprox),
		Records:        approx(b.RecordsApprox),
		Consequences:   b.Consequences,
		Measures:       b.Measures,
		LateReason:     b.LateNotificationReason,
	}
	switch {
	case b.AuthorityNotifiedAt != nil:
		delay := b.AuthorityNotifiedAt.Sub(b.DetectedAt)
		v.Notification = fmt.Sprintf("Notifiée le %s, %s après la détection", exportFrInstant(*b.AuthorityNotifiedAt), frDuration(delay))
		v.Late = delay > BreachNotificationDelay
	case b.AuthorityNotNotified:
		v.Notification = "Non notifiée : violation jugée non susceptible d’engendrer un risque pour les droits et libertés des personnes (art. 33.1)"
	default:
		v.Notification = "Pas encore notifiée"
		if !now.IsZero() && now.Sub(b.DetectedAt) > BreachNotificationDelay {
			v.Notification += " : délai de 72 heures dépassé"
			v.Late = true
		}
	}
	switch {
	case b.PersonsInformedAt != nil:
		v.PersonsInformation = "Informées le " + exportFrInstant(*b.PersonsInformedAt)
	case b.PersonsNotInformedReason != "":
		v.PersonsInformation = "Non informées : " + b.PersonsNotInformedReason
	default:
		v.PersonsInformation = "Non informées à ce jour"
	}
	for _, id := range b.RecordIds {
		v.Concerned = append(v.Concerned, recordName(pulid.ID(id)))
	}
	return v
}

// approx writes an approximate count, "" when unknown (0).
func approx(n int) string {
	if n <= 0 {
		return ""
	}
	return "environ " + strconv.Itoa(n)
}

// frDuration writes a delay in days and hours, or hours and minutes.
func frDuration(d time.Duration) string {
	if d < 0 {
		return "avant la détection"
	}
	d = d.Round(time.Minute)
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d j %d h", days, hours)
	case minutes > 0:
		return fmt.Sprintf("%d h %02d", hours, minutes)
	default:
		return fmt.Sprintf("%d h", hours)
	}
}

func newRequestView(q *ent.SubjectRequest, today time.Time, recordName func(pulid.ID) string) requestView {
	v := requestView{
		ReceivedOn: exportFrDate(q.ReceivedOn),
		Type:       labelOr(requestTypeLabels, q.Type),
		Requester:  q.Requester,
		DueOn:      exportFrDate(q.DueOn),
		Extension:  q.ExtensionReason,
		Status:     labelOr(requestStatusLabels, q.Status),
	}
	if q.RecordID != nil {
		v.Record = recordName(*q.RecordID)
	}
	switch {
	case q.AnsweredOn != nil:
		v.AnsweredOn = exportFrDate(*q.AnsweredOn)
		if q.AnsweredOn.After(q.DueOn) {
			v.Timing, v.Overdue = "Hors délai", true
		} else {
			v.Timing = "Dans le délai"
		}
	case !q.DueOn.IsZero() && today.After(q.DueOn):
		v.Timing, v.Overdue = "En retard", true
	default:
		v.Timing = "En cours"
	}
	return v
}

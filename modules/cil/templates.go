package cil

import (
	"context"
	"slices"
	"strings"

	"communs"
	"communs/ent"
	"communs/ent/processingrecord"
	"communs/ent/schema/pulid"
)

// Template is the content of a controller record: a sector template a
// member's CIL starts from (Code set), or a record of the demo registers.
type Template struct {
	Code, Name, Description  string
	LegalBasis               string
	SpecialCategoryCondition string
	Purposes, DataSubjects   []string
	DataCategories           []string
	SpecialCategories        []string
	Recipients, Transfers    []string
	Retention                []string
	SecurityMeasures         []string
	ResourceCodes            []string
	DpiaCriteria             []string
	DpiaCnilList             bool
}

// noTransfer says that the data leave no country of the Union.
var noTransfer = []string{"aucun transfert hors UE"}

// Templates are the processing activities typical of a social or
// medico-social organisation, as the CNIL's guidance for the sector and
// the public health and social action codes describe them. A CIL
// instantiates one (createProcessingRecordFromTemplate) and edits the
// record: the durations and recipients are the usual ones, to check
// against the organisation's own practice.
var Templates = []Template{
	{Code: "DOSSIER_USAGER", Name: "Dossier de l'usager",
		Description: "Le dossier de la personne accompagnée : admission, projet personnalisé, accompagnement, sortie.",
		LegalBasis:  "Art. 6(1)(e) mission d'intérêt public (CASF)", SpecialCategoryCondition: "Art. 9(2)(h) prise en charge sociale et médico-sociale",
		Purposes:     []string{"accompagnement des personnes accueillies", "projet personnalisé"},
		DataSubjects: []string{"personnes accueillies", "représentants légaux"}, DataCategories: []string{"identité", "situation familiale", "besoins (SERAFIN-PH)"},
		SpecialCategories: []string{"données de santé"}, Recipients: []string{"professionnels de l'établissement habilités"}, Transfers: noTransfer,
		SecurityMeasures: []string{"habilitations par établissement", "journal des accès", "chiffrement des notes"},
		Retention:        []string{"dossier : 20 ans après la sortie"}, ResourceCodes: []string{"GESTUSA"},
		DpiaCriteria: []string{"SENSITIVE_DATA", "VULNERABLE_SUBJECTS"}, DpiaCnilList: true},
	{Code: "REMONTEES_ACTIVITE", Name: "Mesure et remontées d'activité aux autorités",
		Description:  "La mesure des prestations délivrées et les rapports d'activité transmis à l'ARS et au conseil départemental.",
		LegalBasis:   "Art. 6(1)(c) obligation légale (rapports d'activité)",
		Purposes:     []string{"mesure de l'activité des établissements", "rapports d'activité et tableaux de bord des autorités"},
		DataSubjects: []string{"personnes accueillies", "professionnels"}, DataCategories: []string{"prestations réalisées (codes SERAFIN-PH)", "durées"},
		Recipients: []string{"direction", "autorités de tarification (agrégats)"}, Transfers: noTransfer,
		SecurityMeasures: []string{"agrégats anonymes pour les tiers"}, Retention: []string{"détail : 5 ans"},
		ResourceCodes: []string{"GESTACTIV"}, DpiaCriteria: []string{"VULNERABLE_SUBJECTS"}},
	{Code: "RH_PAIE", Name: "Gestion du personnel et paie",
		Description:  "Le recrutement, la carrière, la paie et les déclarations sociales des salariés.",
		LegalBasis:   "Art. 6(1)(b) contrat de travail et 6(1)(c) obligations légales",
		Purposes:     []string{"paie et déclarations sociales", "gestion des carrières et des formations"},
		DataSubjects: []string{"salariés", "candidats"}, DataCategories: []string{"identité", "NIR", "données de paie", "parcours professionnel"},
		Recipients: []string{"service RH", "URSSAF et caisses", "expert-comptable"}, Transfers: noTransfer,
		SecurityMeasures: []string{"accès restreint au service RH", "journalisation"},
		Retention:        []string{"bulletins de paie : 5 ans (50 ans archivés)", "candidatures non retenues : 2 ans"}},
	{Code: "VIDEOPROTECTION", Name: "Vidéoprotection des locaux",
		Description:  "Les caméras des accès et parties communes, hors lieux de vie et d'intimité des personnes accueillies.",
		LegalBasis:   "Art. 6(1)(f) intérêt légitime (sécurité des biens et des personnes)",
		Purposes:     []string{"sécurité des accès et des parties communes"},
		DataSubjects: []string{"personnes accueillies", "salariés", "visiteurs"}, DataCategories: []string{"images"},
		Recipients: []string{"direction", "personnes habilitées", "forces de l'ordre sur réquisition"}, Transfers: noTransfer,
		SecurityMeasures: []string{"accès aux images restreint et journalisé", "affichage d'information"},
		Retention:        []string{"images : 30 jours au plus"},
		DpiaCriteria:     []string{"SYSTEMATIC_MONITORING", "VULNERABLE_SUBJECTS"}},
	{Code: "MESSAGERIE", Name: "Messagerie et outils collaboratifs",
		Description:  "La messagerie professionnelle, les agendas et le partage de documents.",
		LegalBasis:   "Art. 6(1)(f) intérêt légitime",
		Purposes:     []string{"communication interne et avec les partenaires"},
		DataSubjects: []string{"salariés", "correspondants"}, DataCategories: []string{"identité", "adresse électronique", "contenu des messages"},
		Recipients: []string{"hébergeur (sous-traitant)"}, Transfers: noTransfer,
		SecurityMeasures: []string{"chiffrement TLS", "double authentification"},
		Retention:        []string{"boîtes : durée du compte + 3 mois"}, ResourceCodes: []string{"MESSAGERIE"}},
}

// TemplateByCode returns the sector template of that code.
func TemplateByCode(code string) (Template, bool) {
	i := slices.IndexFunc(Templates, func(t Template) bool { return t.Code == code })
	if i < 0 {
		return Template{}, false
	}
	return Templates[i], true
}

// fill sets the template's content on a new controller record.
func (t Template) fill(c *ent.ProcessingRecordCreate) *ent.ProcessingRecordCreate {
	return c.SetRole(processingrecord.RoleCONTROLLER).SetName(t.Name).
		SetLegalBasis(t.LegalBasis).SetSpecialCategoryCondition(t.SpecialCategoryCondition).
		SetPurposes(t.Purposes).SetDataSubjects(t.DataSubjects).SetDataCategories(t.DataCategories).
		SetSpecialCategories(t.SpecialCategories).SetRecipients(t.Recipients).SetTransfers(t.Transfers).
		SetSecurityMeasures(t.SecurityMeasures).SetRetention(t.Retention).SetResourceCodes(t.ResourceCodes).
		SetDpiaCriteria(t.DpiaCriteria).SetDpiaCnilList(t.DpiaCnilList).
		SetDpiaRequired(DPIARequired(t.DpiaCriteria, t.DpiaCnilList)).SetTemplateCode(t.Code)
}

// CreateFromTemplate adds to a register (no member: the groupement's) a
// DRAFT record with the template's content, naming the member (or the
// groupement) as controller; its keeper then edits it like any record.
func (s *Service) CreateFromTemplate(ctx context.Context, code string, memberID *pulid.ID) (*ent.ProcessingRecord, error) {
	t, ok := TemplateByCode(strings.TrimSpace(code))
	if !ok {
		return nil, communs.InvalidField("templateCode", "no template %q: see processingTemplates", code)
	}
	return s.addRecord(ctx, memberID, func(ctx context.Context, tx *ent.Client) (*ent.ProcessingRecordCreate, error) {
		controller := "le groupement"
		if memberID != nil {
			m, err := tx.Member.Get(ctx, *memberID)
			if err != nil {
				return nil, communs.Errorf(communs.ENOTFOUND, "member %s not found", *memberID)
			}
			controller = m.Name
		}
		return t.fill(tx.ProcessingRecord.Create().SetNillableMemberID(memberID).
			SetStatus(processingrecord.StatusDRAFT).SetController(controller)), nil
	})
}

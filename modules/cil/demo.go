package cil

import (
	"context"
	"fmt"
	"io"
	"time"

	"communs/ent"
	"communs/ent/member"
	"communs/ent/processingrecord"
	"communs/ent/schema/pulid"
	"communs/internal/viewer"
)

// demoRecord is a controller record of the demo registers.
type demoRecord struct {
	name, legalBasis, condition   string
	purposes, subjects, data      []string
	special, recipients, security []string
	retention, resources          []string
	criteria                      []string
	cnilList                      bool
}

// The groupement's own register.
var groupementRecords = []demoRecord{
	{name: "Gestion des membres du groupement", legalBasis: "Art. 6(1)(b) contrat (adhésion)",
		purposes: []string{"adhésion, cotisations, appels de fonds", "instances statutaires"},
		subjects: []string{"représentants des membres", "contacts des membres"}, data: []string{"identité", "coordonnées professionnelles", "fonction"},
		recipients: []string{"personnel du groupement", "commissaire aux comptes"}, security: []string{"authentification", "journalisation", "sauvegardes chiffrées"},
		retention: []string{"données d'adhésion : durée de l'adhésion + 5 ans"}},
	{name: "Gestion du personnel du groupement", legalBasis: "Art. 6(1)(c) obligation légale",
		purposes: []string{"paie", "gestion des carrières"}, subjects: []string{"salariés"}, data: []string{"identité", "NIR", "données de paie"},
		recipients: []string{"URSSAF", "expert-comptable"}, security: []string{"accès restreint au service RH"},
		retention: []string{"bulletins de paie : 5 ans (50 ans archivés)"}},
	{name: "Messagerie collaborative", legalBasis: "Art. 6(1)(f) intérêt légitime",
		purposes: []string{"communication interne et avec les membres"}, subjects: []string{"utilisateurs des membres", "personnel"},
		data: []string{"identité", "adresse électronique", "contenu des messages"}, recipients: []string{"hébergeur (sous-traitant)"},
		security: []string{"chiffrement TLS", "double authentification"}, retention: []string{"boîtes : durée du compte + 3 mois"}, resources: []string{"MESSAGERIE"}},
	{name: "Hébergement des applications des membres", legalBasis: "Art. 6(1)(b) contrat (convention d'usage)",
		purposes: []string{"hébergement sécurisé des données des membres"}, subjects: []string{"usagers des établissements", "professionnels"},
		data: []string{"données hébergées pour le compte des membres"}, special: []string{"données de santé"},
		recipients: []string{"hébergeur certifié HDS"}, security: []string{"hébergement certifié HDS", "chiffrement au repos", "PCA/PRA"},
		retention: []string{"selon les durées fixées par chaque membre"}, resources: []string{"HEBERGEMENT"},
		criteria: []string{"SENSITIVE_DATA", "VULNERABLE_SUBJECTS", "LARGE_SCALE"}},
}

// A member's register: the user record and activity measurement.
var memberRecords = []demoRecord{
	{name: "Dossier de l'usager", legalBasis: "Art. 6(1)(e) mission d'intérêt public (CASF)", condition: "Art. 9(2)(h) prise en charge sociale et médico-sociale",
		purposes: []string{"accompagnement des personnes accueillies", "projet personnalisé"},
		subjects: []string{"personnes accueillies", "représentants légaux"}, data: []string{"identité", "situation familiale", "besoins (SERAFIN-PH)"},
		special: []string{"données de santé"}, recipients: []string{"professionnels de l'établissement habilités"},
		security:  []string{"habilitations par établissement", "journal des accès", "chiffrement des notes"},
		retention: []string{"dossier : 20 ans après la sortie"}, resources: []string{"GESTUSA"},
		criteria: []string{"SENSITIVE_DATA", "VULNERABLE_SUBJECTS"}, cnilList: true},
	{name: "Mesure de l'activité", legalBasis: "Art. 6(1)(c) obligation légale (rapports d'activité)",
		purposes: []string{"mesure de l'activité des établissements"}, subjects: []string{"personnes accueillies", "professionnels"},
		data: []string{"prestations réalisées (codes SERAFIN-PH)", "durées"}, recipients: []string{"direction", "autorités de tarification (agrégats)"},
		security: []string{"agrégats anonymes pour les tiers"}, retention: []string{"détail : 5 ans"}, resources: []string{"GESTACTIV"},
		criteria: []string{"VULNERABLE_SUBJECTS"}},
}

// Demo loads the groupement's register and the register of Les Genêts du
// Morvan, unless they hold records already.
func Demo(ctx context.Context, client *ent.Client, out io.Writer) error {
	ctx = viewer.SystemContext(ctx)
	added, err := demoRegister(ctx, client, nil, groupementRecords)
	if err != nil {
		return err
	}
	m, err := client.Member.Query().Where(member.NameContains("Genêts du Morvan")).First(ctx)
	if err == nil {
		n, err := demoRegister(ctx, client, &m.ID, memberRecords)
		if err != nil {
			return err
		}
		added += n
	} else if !ent.IsNotFound(err) {
		return err
	}
	if out != nil {
		fmt.Fprintf(out, "cil: %d processing records added\n", added)
	}
	return SyncProcessorRecords(ctx, client)
}

func demoRegister(ctx context.Context, client *ent.Client, owner *pulid.ID, records []demoRecord) (int, error) {
	ownerIs := processingrecord.MemberIDIsNil()
	if owner != nil {
		ownerIs = processingrecord.MemberID(*owner)
	}
	has, err := client.ProcessingRecord.Query().
		Where(ownerIs, processingrecord.RoleEQ(processingrecord.RoleCONTROLLER)).Exist(ctx)
	if err != nil || has {
		return 0, err
	}
	for i, d := range records {
		// The first record of each register is due for its yearly review.
		review := time.Date(2026, time.September, 30, 0, 0, 0, 0, time.UTC).AddDate(min(i, 1), 0, 0)
		r, err := client.ProcessingRecord.Create().SetNillableMemberID(owner).SetNextReviewOn(review).
			SetRole(processingrecord.RoleCONTROLLER).SetStatus(processingrecord.StatusACTIVE).
			SetName(d.name).SetController("le représentant légal").SetDpoContact("cil@communs.example").
			SetLegalBasis(d.legalBasis).SetSpecialCategoryCondition(d.condition).
			SetPurposes(d.purposes).SetDataSubjects(d.subjects).SetDataCategories(d.data).
			SetSpecialCategories(d.special).SetRecipients(d.recipients).SetSecurityMeasures(d.security).
			SetRetention(d.retention).SetResourceCodes(d.resources).
			SetDpiaCriteria(d.criteria).SetDpiaCnilList(d.cnilList).
			SetDpiaRequired(DPIARequired(d.criteria, d.cnilList)).
			Save(ctx)
		if err != nil {
			return 0, err
		}
		if _, err := writeRevision(ctx, client, r, nil); err != nil {
			return 0, err
		}
	}
	return len(records), nil
}

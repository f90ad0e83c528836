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

// The groupement's own register.
var groupementRecords = []Template{
	{Name: "Gestion des membres du groupement", LegalBasis: "Art. 6(1)(b) contrat (adhésion)",
		Purposes:     []string{"adhésion, cotisations, appels de fonds", "instances statutaires"},
		DataSubjects: []string{"représentants des membres", "contacts des membres"}, DataCategories: []string{"identité", "coordonnées professionnelles", "fonction"},
		Recipients: []string{"personnel du groupement", "commissaire aux comptes"}, Transfers: noTransfer, SecurityMeasures: []string{"authentification", "journalisation", "sauvegardes chiffrées"},
		Retention: []string{"données d'adhésion : durée de l'adhésion + 5 ans"}},
	{Name: "Gestion du personnel du groupement", LegalBasis: "Art. 6(1)(c) obligation légale",
		Purposes: []string{"paie", "gestion des carrières"}, DataSubjects: []string{"salariés"}, DataCategories: []string{"identité", "NIR", "données de paie"},
		Recipients: []string{"URSSAF", "expert-comptable"}, Transfers: noTransfer, SecurityMeasures: []string{"accès restreint au service RH"},
		Retention: []string{"bulletins de paie : 5 ans (50 ans archivés)"}},
	{Name: "Messagerie collaborative", LegalBasis: "Art. 6(1)(f) intérêt légitime",
		Purposes: []string{"communication interne et avec les membres"}, DataSubjects: []string{"utilisateurs des membres", "personnel"},
		DataCategories: []string{"identité", "adresse électronique", "contenu des messages"}, Recipients: []string{"hébergeur (sous-traitant)"}, Transfers: noTransfer,
		SecurityMeasures: []string{"chiffrement TLS", "double authentification"}, Retention: []string{"boîtes : durée du compte + 3 mois"}, ResourceCodes: []string{"MESSAGERIE"}},
	{Name: "Hébergement des applications des membres", LegalBasis: "Art. 6(1)(b) contrat (convention d'usage)",
		Purposes: []string{"hébergement sécurisé des données des membres"}, DataSubjects: []string{"usagers des établissements", "professionnels"},
		DataCategories: []string{"données hébergées pour le compte des membres"}, SpecialCategories: []string{"données de santé"},
		Recipients: []string{"hébergeur certifié HDS"}, Transfers: noTransfer, SecurityMeasures: []string{"hébergement certifié HDS", "chiffrement au repos", "PCA/PRA"},
		Retention: []string{"selon les durées fixées par chaque membre"}, ResourceCodes: []string{"HEBERGEMENT"},
		DpiaCriteria: []string{"SENSITIVE_DATA", "VULNERABLE_SUBJECTS", "LARGE_SCALE"}},
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
		n, err := demoRegister(ctx, client, &m.ID, memberTemplates())
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

// memberTemplates are the sector templates Les Genêts du Morvan started
// its register from.
func memberTemplates() []Template {
	var out []Template
	for _, code := range []string{"DOSSIER_USAGER", "REMONTEES_ACTIVITE"} {
		t, _ := TemplateByCode(code)
		out = append(out, t)
	}
	return out
}

func demoRegister(ctx context.Context, client *ent.Client, owner *pulid.ID, records []Template) (int, error) {
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
		create := client.ProcessingRecord.Create().SetNillableMemberID(owner).SetNextReviewOn(review).
			SetStatus(processingrecord.StatusACTIVE).
			SetController("le représentant légal").SetDpoContact("cil@communs.example")
		r, err := d.fill(create).Save(ctx)
		if err != nil {
			return 0, err
		}
		if _, err := writeRevision(ctx, client, r, nil); err != nil {
			return 0, err
		}
	}
	return len(records), nil
}

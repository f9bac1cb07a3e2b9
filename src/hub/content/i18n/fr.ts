import type { Message } from '../../i18n/index.ts';
import type { ContentKey } from './en.ts';

/** Content editing, review and history strings, French. */
export const fr: Record<ContentKey, Message> = {
  'content.nav.review': 'Relectures en attente',
  'content.links.edit': 'Modifier',
  'content.links.history': 'Historique',
  'content.unknownUser': 'un ancien utilisateur',

  'content.edit.title': 'Modifier : {title}',
  'content.edit.heading': 'Modifier :',
  'content.edit.crumb': 'Modifier',
  'content.edit.intro':
    'Votre modification est enregistrée comme proposition. Elle apparaît sur le site une fois qu’un relecteur ou une relectrice l’a publiée, et l’historique de la page l’affichera avec votre nom, la date et la différence avec le texte précédent.',
  'content.edit.optional': '(facultatif)',
  'content.edit.summary': 'Qu’avez-vous modifié, et pourquoi ?',
  'content.edit.summaryHint': 'Une phrase pour la relecture et l’historique public, par exemple « Définition plus claire ; ajout du numéro de terme ISO 22739 ».',
  // Between a field's name and its error message.
  'content.edit.separator': ' : ',
  'content.edit.propose': 'Proposer la modification',
  'content.edit.pending': {
    one: '{count} modification proposée pour cette page attend une relecture.',
    many: '{count} de modifications proposées pour cette page attendent une relecture.',
    other: '{count} modifications proposées pour cette page attendent une relecture.',
  },
  'content.edit.pendingLink': 'Proposition du {date}',
  'content.edit.staleTitle': 'Cette page a changé pendant que vous la modifiiez',
  'content.edit.staleText':
    'La version {version} a été publiée après l’ouverture du formulaire : votre proposition n’a donc pas été enregistrée. Votre texte est conservé ci-dessous. Comparez-le avec la version actuelle, gardez ce que vous voulez encore modifier, puis proposez à nouveau.',
  'content.edit.staleDiff': 'Ce que votre texte changerait dans la version actuelle',

  'content.history.title': 'Historique : {title}',
  'content.history.heading': 'Historique :',
  'content.history.crumb': 'Historique',
  'content.history.intro':
    'Chaque modification publiée sur le site, de la plus récente à la plus ancienne : qui l’a proposée, qui l’a relue et publiée, quand, et ce qui a changé. Le texte supprimé est barré, le texte ajouté est souligné.',
  'content.history.back': 'Retour à la page',
  'content.history.count': {
    one: '{count} modification publiée sur le site.',
    many: '{count} de modifications publiées sur le site.',
    other: '{count} modifications publiées sur le site.',
  },
  'content.history.version': 'Version {version}',
  'content.history.permalink': 'Lien vers la version {version}',
  'content.history.originTitle': 'D’où vient le texte',
  'content.history.origin':
    'La première version est le fichier relu {file} du dépôt du projet. Les modifications publiées ici sont reportées dans le dépôt de temps en temps.',
  'content.history.fileNewer':
    'Le fichier {file} du dépôt a été modifié après la dernière modification publiée ici : la page affiche donc le texte du fichier. Une nouvelle modification sur le site partira de celui-ci.',

  'content.review.title': 'Relectures en attente',
  'content.review.intro':
    'Les modifications proposées qui attendent une décision, de la plus ancienne à la plus récente. Ouvrez-en une pour voir ce qu’elle change, puis publiez-la ou rejetez-la avec une note. Vous ne pouvez pas publier vos propres propositions : une autre personne les relit.',
  'content.review.count': {
    one: '{count} proposition en attente.',
    many: '{count} de propositions en attente.',
    other: '{count} propositions en attente.',
  },
  'content.review.none': 'Rien à relire pour le moment.',
  'content.review.by': 'Proposée par',
  'content.review.yours': 'votre proposition',
  'content.review.stale':
    'La page a changé depuis cette proposition : elle ne peut plus être publiée. Rejetez-la ; son auteur ou son autrice pourra proposer à nouveau la modification sur le texte actuel.',

  'content.revision.title': 'Modification proposée : {title}',
  'content.revision.heading': 'Modification proposée :',
  'content.revision.headingPublished': 'Version {version} :',
  'content.revision.crumb': 'Modification',
  'content.revision.kind': 'Type',
  'content.revision.status': 'État',
  'content.revision.author': 'Proposée par',
  'content.revision.summary': 'Description de l’auteur ou de l’autrice',
  'content.revision.publishedBy': 'Publiée par',
  'content.revision.rejectedBy': 'Rejetée par',
  'content.revision.reviewNote': 'Note de relecture',
  'content.revision.changes': 'Modifications',
  'content.revision.decide': 'Votre décision',
  'content.revision.note': 'Note',
  'content.revision.noteHint': 'Visible par l’auteur ou l’autrice et, pour une modification publiée, dans l’historique public. Obligatoire en cas de rejet.',
  'content.revision.publish': 'Publier',
  'content.revision.reject': 'Rejeter',
  'content.revision.withdraw': 'Retirer (rejeter)',
  'content.revision.ownRule': 'Vous avez proposé cette modification : une autre personne doit la publier. Vous pouvez la retirer.',
  'content.revision.staleRule': 'La page a changé depuis cette proposition : elle ne peut pas être publiée, car elle annulerait la modification plus récente.',
  'content.revision.chooseDecision': 'Choisissez Publier ou Rejeter.',
  'content.revision.noteRequired': 'Écrivez une note qui explique pourquoi la proposition est rejetée.',
  'content.revision.error.own': 'Vous ne pouvez pas publier votre propre proposition. Une autre personne doit la publier.',
  'content.revision.error.stale':
    'La page a changé après cette proposition : la publier annulerait ce changement. Rejetez-la ; son auteur ou son autrice pourra proposer à nouveau la modification sur le texte actuel.',
  'content.revision.error.decided': 'Cette proposition a déjà été publiée ou rejetée.',
  'content.revision.error.gone': 'La page que cette proposition modifie n’existe plus.',

  'content.status.proposed': 'En attente de relecture',
  'content.status.published': 'Publiée',
  'content.status.rejected': 'Rejetée',

  'content.notice.proposed': 'Votre proposition est enregistrée. Une personne chargée de la relecture la publiera ou la rejettera avec une note.',
  'content.notice.published': 'Publiée. La modification est visible sur le site dès maintenant.',
  'content.notice.rejected': 'Rejetée. La proposition n’apparaît pas dans l’historique public.',
  'content.notice.seeItem': 'Voir la page',

  'content.field.reviewed': 'Dernière relecture',
  'content.diff.legend': 'Comment les changements sont indiqués :',
  'content.diff.removedSample': 'texte supprimé',
  'content.diff.addedSample': 'texte ajouté',
  'content.diff.removedStart': 'Supprimé : ',
  'content.diff.removedEnd': ' (fin de la suppression) ',
  'content.diff.addedStart': 'Ajouté : ',
  'content.diff.addedEnd': ' (fin de l’ajout) ',
  'content.diff.skipped': '(texte inchangé abrégé)',
  'content.diff.none': 'Aucune différence.',
  'content.diff.fieldAdded': 'Nouveau champ.',
  'content.diff.fieldRemoved': 'Champ supprimé.',
  'content.diff.item': 'élément {n}',

  'content.error.empty': 'Saisissez un texte.',
  'content.error.tooShort': { one: 'Écrivez au moins {count} caractère.', many: 'Écrivez au moins {count} de caractères.', other: 'Écrivez au moins {count} caractères.' },
  'content.error.tooLong': { one: 'Écrivez au plus {count} caractère.', many: 'Écrivez au plus {count} de caractères.', other: 'Écrivez au plus {count} caractères.' },
  'content.error.fewItems': { one: 'Indiquez au moins {count} élément.', many: 'Indiquez au moins {count} d’éléments.', other: 'Indiquez au moins {count} éléments.' },
  'content.error.manyItems': { one: 'Indiquez au plus {count} élément.', many: 'Indiquez au plus {count} d’éléments.', other: 'Indiquez au plus {count} éléments.' },
  'content.error.numberMin': 'Saisissez un nombre supérieur ou égal à {min}.',
  'content.error.numberMax': 'Saisissez un nombre inférieur ou égal à {max}.',
  'content.error.expectNumber': 'Saisissez un nombre.',
  'content.error.expectList': 'Saisissez une liste (un élément par ligne, ou une liste YAML dont chaque élément commence par « - »).',
  'content.error.expectMapping': 'Saisissez des champs écrits « nom: valeur ».',
  'content.error.expectText': 'Saisissez un texte.',
  'content.error.choice': 'Choisissez parmi : {values}.',
  'content.error.unknownKeys': 'Retirez les champs que ce formulaire ne connaît pas : {keys}.',
  'content.error.yaml': 'Ce n’est pas du YAML valide. Vérifiez l’indentation et le « - » devant chaque élément. Message de l’analyseur :',
  'content.error.invalid': 'Cette valeur n’est pas acceptée. Message de la vérification :',
  'content.error.documentTooLarge': 'Le texte complet est trop long : {max} Kio au plus.',
};

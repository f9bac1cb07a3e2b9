import type { Message } from '../../i18n/index.ts';
import type { ContentKey } from './en.ts';

/** Content editing, review and history strings, Spanish. */
export const es: Record<ContentKey, Message> = {
  'content.nav.review': 'Revisiones pendientes',
  'content.links.edit': 'Editar',
  'content.links.history': 'Historial',
  'content.unknownUser': 'una persona usuaria anterior',

  'content.edit.title': 'Editar: {title}',
  'content.edit.heading': 'Editar:',
  'content.edit.crumb': 'Editar',
  'content.edit.intro':
    'Su cambio se guarda como propuesta. Aparece en el sitio cuando una persona revisora lo publica, y el historial de la página lo mostrará con su nombre, la fecha y la diferencia con el texto anterior.',
  'content.edit.optional': '(opcional)',
  'content.edit.summary': '¿Qué ha cambiado y por qué?',
  'content.edit.summaryHint': 'Una frase para la revisión y el historial público, por ejemplo «Definición más clara; añadido el número de término de ISO 22739».',
  // Between a field's name and its error message.
  'content.edit.separator': ': ',
  'content.edit.propose': 'Proponer el cambio',
  'content.edit.pending': {
    one: '{count} cambio propuesto para esta página espera revisión.',
    many: '{count} de cambios propuestos para esta página esperan revisión.',
    other: '{count} cambios propuestos para esta página esperan revisión.',
  },
  'content.edit.pendingLink': 'Propuesta del {date}',
  'content.edit.staleTitle': 'Esta página cambió mientras la editaba',
  'content.edit.staleText':
    'La versión {version} se publicó después de que abriera el formulario, así que su propuesta no se ha guardado. Su texto se conserva abajo. Compárelo con la versión actual, mantenga lo que aún quiera cambiar y vuelva a proponerlo.',
  'content.edit.staleDiff': 'Lo que su texto cambiaría en la versión actual',

  'content.history.title': 'Historial: {title}',
  'content.history.heading': 'Historial:',
  'content.history.crumb': 'Historial',
  'content.history.intro':
    'Cada cambio publicado en el sitio, del más reciente al más antiguo: quién lo propuso, quién lo revisó y publicó, cuándo y qué cambió. El texto eliminado aparece tachado y el añadido, subrayado.',
  'content.history.back': 'Volver a la página',
  'content.history.count': {
    one: '{count} cambio publicado en el sitio.',
    many: '{count} de cambios publicados en el sitio.',
    other: '{count} cambios publicados en el sitio.',
  },
  'content.history.version': 'Versión {version}',
  'content.history.permalink': 'Enlace a la versión {version}',
  'content.history.originTitle': 'De dónde viene el texto',
  'content.history.origin':
    'La primera versión es el archivo revisado {file} del repositorio del proyecto. Los cambios publicados aquí se trasladan al repositorio periódicamente.',
  'content.history.fileNewer':
    'El archivo {file} del repositorio se modificó después del último cambio publicado aquí, así que la página muestra el texto del archivo. Un nuevo cambio en el sitio partirá de él.',

  'content.review.title': 'Revisiones pendientes',
  'content.review.intro':
    'Cambios propuestos que esperan una decisión, del más antiguo al más reciente. Abra uno para ver qué cambia y publíquelo o rechácelo con una nota. No puede publicar sus propias propuestas: otra persona las revisa.',
  'content.review.count': {
    one: '{count} propuesta en espera.',
    many: '{count} de propuestas en espera.',
    other: '{count} propuestas en espera.',
  },
  'content.review.none': 'No hay nada que revisar por ahora.',
  'content.review.by': 'Propuesta de',
  'content.review.yours': 'su propuesta',
  'content.review.stale':
    'La página ha cambiado desde que se hizo esta propuesta: ya no puede publicarse. Rechácela y quien la escribió podrá proponer de nuevo el cambio sobre el texto actual.',

  'content.revision.title': 'Cambio propuesto: {title}',
  'content.revision.heading': 'Cambio propuesto:',
  'content.revision.headingPublished': 'Versión {version}:',
  'content.revision.crumb': 'Cambio',
  'content.revision.kind': 'Tipo',
  'content.revision.status': 'Estado',
  'content.revision.author': 'Propuesto por',
  'content.revision.summary': 'Descripción de quien lo propone',
  'content.revision.publishedBy': 'Publicado por',
  'content.revision.rejectedBy': 'Rechazado por',
  'content.revision.reviewNote': 'Nota de revisión',
  'content.revision.changes': 'Cambios',
  'content.revision.decide': 'Su decisión',
  'content.revision.note': 'Nota',
  'content.revision.noteHint': 'La ve quien propuso el cambio y, si se publica, aparece en el historial público. Obligatoria para rechazar.',
  'content.revision.publish': 'Publicar',
  'content.revision.reject': 'Rechazar',
  'content.revision.withdraw': 'Retirar (rechazar)',
  'content.revision.ownRule': 'Usted propuso este cambio, así que otra persona revisora debe publicarlo. Puede retirarlo.',
  'content.revision.staleRule': 'La página ha cambiado desde que se hizo esta propuesta, así que no puede publicarse: desharía el cambio más reciente.',
  'content.revision.chooseDecision': 'Elija Publicar o Rechazar.',
  'content.revision.noteRequired': 'Escriba una nota que explique por qué se rechaza la propuesta.',
  'content.revision.error.own': 'No puede publicar su propia propuesta. Otra persona revisora debe publicarla.',
  'content.revision.error.stale':
    'La página cambió después de esta propuesta, así que publicarla desharía ese cambio. Rechácela y quien la escribió podrá proponer de nuevo el cambio sobre el texto actual.',
  'content.revision.error.decided': 'Esta propuesta ya se ha publicado o rechazado.',
  'content.revision.error.gone': 'La página que cambia esta propuesta ya no existe.',

  'content.status.proposed': 'Pendiente de revisión',
  'content.status.published': 'Publicado',
  'content.status.rejected': 'Rechazado',

  'content.notice.proposed': 'Su propuesta se ha guardado. Una persona revisora la publicará o la rechazará con una nota.',
  'content.notice.published': 'Publicado. El cambio ya es visible en el sitio.',
  'content.notice.rejected': 'Rechazado. La propuesta no aparece en el historial público.',
  'content.notice.seeItem': 'Ver la página',

  'content.field.reviewed': 'Última revisión',
  'content.diff.legend': 'Cómo se marcan los cambios:',
  'content.diff.removedSample': 'texto eliminado',
  'content.diff.addedSample': 'texto añadido',
  'content.diff.removedStart': 'Eliminado: ',
  'content.diff.removedEnd': ' (fin de lo eliminado) ',
  'content.diff.addedStart': 'Añadido: ',
  'content.diff.addedEnd': ' (fin de lo añadido) ',
  'content.diff.skipped': '(texto sin cambios abreviado)',
  'content.diff.none': 'No hay diferencias.',
  'content.diff.fieldAdded': 'Campo nuevo.',
  'content.diff.fieldRemoved': 'Campo eliminado.',
  'content.diff.item': 'elemento {n}',

  'content.error.empty': 'Escriba un texto.',
  'content.error.tooShort': { one: 'Escriba al menos {count} carácter.', many: 'Escriba al menos {count} de caracteres.', other: 'Escriba al menos {count} caracteres.' },
  'content.error.tooLong': { one: 'Escriba como máximo {count} carácter.', many: 'Escriba como máximo {count} de caracteres.', other: 'Escriba como máximo {count} caracteres.' },
  'content.error.fewItems': { one: 'Indique al menos {count} elemento.', many: 'Indique al menos {count} de elementos.', other: 'Indique al menos {count} elementos.' },
  'content.error.manyItems': { one: 'Indique como máximo {count} elemento.', many: 'Indique como máximo {count} de elementos.', other: 'Indique como máximo {count} elementos.' },
  'content.error.numberMin': 'Escriba un número igual o mayor que {min}.',
  'content.error.numberMax': 'Escriba un número igual o menor que {max}.',
  'content.error.expectNumber': 'Escriba un número.',
  'content.error.expectList': 'Escriba una lista (un elemento por línea, o una lista YAML con «- » delante de cada elemento).',
  'content.error.expectMapping': 'Escriba campos con la forma «nombre: valor».',
  'content.error.expectText': 'Escriba un texto.',
  'content.error.choice': 'Elija una de estas opciones: {values}.',
  'content.error.unknownKeys': 'Quite los campos que este formulario no conoce: {keys}.',
  'content.error.yaml': 'No es YAML válido. Revise la sangría y el «- » delante de cada elemento. El analizador indica:',
  'content.error.invalid': 'Este valor no se acepta. La comprobación indica:',
  'content.error.documentTooLarge': 'El texto completo es demasiado largo: {max} KiB como máximo.',
};

import type { Message } from '../../i18n/index.ts';

/** Content editing, review and history strings (keys "content.*"), English. */
export const en = {
  'content.nav.review': 'Review queue',
  'content.links.edit': 'Edit',
  'content.links.history': 'History',
  'content.unknownUser': 'a former user',

  'content.edit.title': 'Edit: {title}',
  'content.edit.heading': 'Edit:',
  'content.edit.crumb': 'Edit',
  'content.edit.intro':
    'Your change is saved as a proposal. It appears on the site once a reviewer has published it, and the history of the page will show it with your name, the date and the difference from the previous text.',
  'content.edit.optional': '(optional)',
  'content.edit.summary': 'What did you change, and why?',
  'content.edit.summaryHint': 'A sentence for the reviewer and the public history, for example “Clearer definition; added the ISO 22739 term number”.',
  // Between a field's name and its error message.
  'content.edit.separator': ': ',
  'content.edit.propose': 'Propose change',
  'content.edit.pending': {
    one: '{count} proposed change to this page is waiting for review.',
    other: '{count} proposed changes to this page are waiting for review.',
  },
  'content.edit.pendingLink': 'Proposal of {date}',
  'content.edit.staleTitle': 'This page changed while you were editing',
  'content.edit.staleText':
    'Version {version} was published after you opened the form, so your proposal was not saved. Your text is kept below. Compare it with the current version, keep what you still want to change, and propose again.',
  'content.edit.staleDiff': 'What your text would change in the current version',

  'content.history.title': 'History: {title}',
  'content.history.heading': 'History:',
  'content.history.crumb': 'History',
  'content.history.intro':
    'Every change published on the web, newest first: who proposed it, who reviewed and published it, when, and what changed. Removed text is struck through, added text is underlined.',
  'content.history.back': 'Back to the page',
  'content.history.count': {
    one: '{count} change published on the web.',
    other: '{count} changes published on the web.',
  },
  'content.history.version': 'Version {version}',
  'content.history.permalink': 'Link to version {version}',
  'content.history.originTitle': 'Where the text comes from',
  'content.history.origin':
    'The first version is the reviewed file {file} in the project’s repository. Changes published here are exported back to the repository from time to time.',
  'content.history.fileNewer':
    'The file {file} in the repository was changed after the last change published here, so the page shows the file’s text. A new change on the web starts from it.',

  'content.review.title': 'Review queue',
  'content.review.intro':
    'Proposed changes waiting for a decision, oldest first. Open one to see what it changes, then publish it or reject it with a note. You cannot publish your own proposals: another reviewer checks them.',
  'content.review.count': {
    one: '{count} proposal is waiting.',
    other: '{count} proposals are waiting.',
  },
  'content.review.none': 'Nothing to review at the moment.',
  'content.review.by': 'Proposed by',
  'content.review.yours': 'your proposal',
  'content.review.stale': 'The page has changed since this proposal was made: it can no longer be published. Reject it, and the author can propose the change again on the current text.',

  'content.revision.title': 'Proposed change: {title}',
  'content.revision.heading': 'Proposed change:',
  'content.revision.headingPublished': 'Version {version}:',
  'content.revision.crumb': 'Change',
  'content.revision.kind': 'Kind',
  'content.revision.status': 'Status',
  'content.revision.author': 'Proposed by',
  'content.revision.summary': 'Author’s description',
  'content.revision.publishedBy': 'Published by',
  'content.revision.rejectedBy': 'Rejected by',
  'content.revision.reviewNote': 'Reviewer’s note',
  'content.revision.changes': 'Changes',
  'content.revision.decide': 'Your decision',
  'content.revision.note': 'Note',
  'content.revision.noteHint': 'Shown to the author and, for published changes, in the public history. Required when you reject.',
  'content.revision.publish': 'Publish',
  'content.revision.reject': 'Reject',
  'content.revision.withdraw': 'Withdraw (reject)',
  'content.revision.ownRule': 'You proposed this change, so another reviewer has to publish it. You can withdraw it.',
  'content.revision.staleRule': 'The page has changed since this proposal was made, so it cannot be published; it would undo the newer change.',
  'content.revision.chooseDecision': 'Choose Publish or Reject.',
  'content.revision.noteRequired': 'Write a note saying why the proposal is rejected.',
  'content.revision.error.own': 'You cannot publish your own proposal. Another reviewer has to publish it.',
  'content.revision.error.stale':
    'The page changed after this proposal was made, so publishing it would undo that change. Reject it, and the author can propose the change again on the current text.',
  'content.revision.error.decided': 'This proposal has already been published or rejected.',
  'content.revision.error.gone': 'The page this proposal changes no longer exists.',

  'content.status.proposed': 'Waiting for review',
  'content.status.published': 'Published',
  'content.status.rejected': 'Rejected',

  'content.notice.proposed': 'Your proposal is saved. A reviewer will publish it or reject it with a note.',
  'content.notice.published': 'Published. The change is visible on the site now.',
  'content.notice.rejected': 'Rejected. The proposal stays out of the public history.',
  'content.notice.seeItem': 'See the page',

  'content.field.reviewed': 'Last reviewed',
  'content.diff.legend': 'How changes are marked:',
  'content.diff.removedSample': 'removed text',
  'content.diff.addedSample': 'added text',
  'content.diff.removedStart': 'Removed: ',
  'content.diff.removedEnd': ' (end of removal) ',
  'content.diff.addedStart': 'Added: ',
  'content.diff.addedEnd': ' (end of addition) ',
  'content.diff.skipped': '(unchanged text shortened)',
  'content.diff.none': 'No differences.',
  'content.diff.fieldAdded': 'New field.',
  'content.diff.fieldRemoved': 'Field removed.',
  'content.diff.item': 'item {n}',

  'content.error.empty': 'Enter some text.',
  'content.error.tooShort': { one: 'Write at least {count} character.', other: 'Write at least {count} characters.' },
  'content.error.tooLong': { one: 'Write at most {count} character.', other: 'Write at most {count} characters.' },
  'content.error.fewItems': { one: 'Give at least {count} entry.', other: 'Give at least {count} entries.' },
  'content.error.manyItems': { one: 'Give at most {count} entry.', other: 'Give at most {count} entries.' },
  'content.error.numberMin': 'Enter a number of at least {min}.',
  'content.error.numberMax': 'Enter a number of at most {max}.',
  'content.error.expectNumber': 'Enter a number.',
  'content.error.expectList': 'Enter a list (one entry per line, or a YAML list starting with “- ”).',
  'content.error.expectMapping': 'Enter fields written as “name: value”.',
  'content.error.expectText': 'Enter text.',
  'content.error.choice': 'Choose one of: {values}.',
  'content.error.unknownKeys': 'Remove the fields this form does not know: {keys}.',
  'content.error.yaml': 'This is not valid YAML. Check the indentation and the “- ” before each entry. The parser says:',
  'content.error.invalid': 'This value is not accepted. The check says:',
  'content.error.documentTooLarge': 'The whole text is too long: at most {max} KiB.',
} satisfies Record<string, Message>;

export type ContentKey = keyof typeof en;

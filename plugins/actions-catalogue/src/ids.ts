/** The action type's id: the prefix of its tables, and what challenges name in `actionType`. */
export const ACTIONS_CATALOGUE_ID = 'actions-catalogue';

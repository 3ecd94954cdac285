// The events page's labels (data only: tests read this file as it is).
export default {
  en: {},
  ru: {},
  kk: {},
};

// Kazakh, Russian and English for every label; the choice is remembered in this browser.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { LANGUAGES, resources, type Language } from "./locales";

const LANGUAGE_KEY = "aidgraph.language";

function rememberedLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  if (LANGUAGES.includes(stored as Language)) return stored as Language;
  const browser = navigator.language.slice(0, 2);
  return LANGUAGES.includes(browser as Language) ? (browser as Language) : "en";
}

export async function initI18n(): Promise<void> {
  const lng = rememberedLanguage();
  document.documentElement.lang = lng;
  await i18next.use(initReactI18next).init({
    resources,
    lng,
    fallbackLng: "en",
    defaultNS: "common",
    interpolation: { escapeValue: false },
    returnNull: false,
  });
}

export async function setLanguage(lng: Language): Promise<void> {
  localStorage.setItem(LANGUAGE_KEY, lng);
  document.documentElement.lang = lng;
  await i18next.changeLanguage(lng);
}

/** The graph's Language enum for a console language (region names: `name(lang: KK)`). */
export const graphLanguage = (lng: string): "EN" | "RU" | "KK" => (lng === "kk" ? "KK" : lng === "ru" ? "RU" : "EN");

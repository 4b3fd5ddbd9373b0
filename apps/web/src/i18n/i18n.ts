import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { zhCN } from './zh-cn.ts';
import { en } from './en.ts';

export type Language = 'zh-CN' | 'en';
export const languages: Language[] = ['zh-CN', 'en'];
const STORAGE_KEY = 'scrm.language';

export function storedLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === 'en' ? 'en' : 'zh-CN';
}

export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: storedLanguage(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function changeLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  void i18n.changeLanguage(language);
}

export function currentLanguage(): Language {
  return i18n.language === 'en' ? 'en' : 'zh-CN';
}

/** A record's display name in the current language (menus carry `name` and `nameEn`). */
export function localName(item: { name: string; nameEn: string | null }): string {
  return currentLanguage() === 'en' && item.nameEn ? item.nameEn : item.name;
}

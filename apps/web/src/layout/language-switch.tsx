import { TranslationOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import { useTranslation } from 'react-i18next';
import { changeLanguage, currentLanguage, type Language } from '../i18n/i18n.ts';

export function LanguageSwitch({ type = 'text' }: { type?: 'text' | 'default' }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  return (
    <Dropdown
      menu={{
        selectedKeys: [language],
        items: (['zh-CN', 'en'] as Language[]).map((key) => ({ key, label: t(key === 'en' ? 'language.en' : 'language.zh') })),
        onClick: ({ key }) => changeLanguage(key as Language),
      }}
    >
      <Button type={type} icon={<TranslationOutlined />} data-testid="language-switch" aria-label={t('language.label')}>
        {t(language === 'en' ? 'language.en' : 'language.zh')}
      </Button>
    </Dropdown>
  );
}

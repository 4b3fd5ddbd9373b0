import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import '../i18n/i18n.ts';
import { changeLanguage, currentLanguage } from '../i18n/i18n.ts';
import '../styles.css';
import { SidebarApp } from './sidebar-app.tsx';

// The employee's page inside WeCom (聊天工具栏). Chinese by default; ?lang=en (kept through the sign-in) for English.
if (new URLSearchParams(location.search).get('lang') === 'en') changeLanguage('en');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider locale={currentLanguage() === 'en' ? enUS : zhCN}>
      <SidebarApp />
    </ConfigProvider>
  </StrictMode>,
);

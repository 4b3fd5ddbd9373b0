import { App as AntApp, Button, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { setMessageApi } from './api/feedback.ts';
import { SessionProvider, useSession } from './auth/session.tsx';
import { localName } from './i18n/i18n.ts';
import { ConsoleLayout, useNavigation } from './layout/console-layout.tsx';
import { pagesOf } from './layout/navigation.ts';
import { ForcedPasswordPage } from './pages/forced-password-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { pageRegistry } from './pages/page-registry.tsx';
import { ProfilePage } from './pages/profile-page.tsx';
import { ComingSoonPage, NotFoundPage } from './pages/status-pages.tsx';

function FeedbackBridge() {
  const { message } = AntApp.useApp();
  useEffect(() => setMessageApi(message), [message]);
  return null;
}

const loading = (
  <div className="page-loading">
    <Spin size="large" />
  </div>
);

/** Signed-in area: a reset password must be replaced before anything else is shown. */
function RequireSession() {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  if (session.loading) return loading;
  if (session.error)
    return (
      <Result
        status="warning"
        title={session.error}
        extra={[
          <Button key="retry" type="primary" onClick={session.retry}>
            {t('common.refresh')}
          </Button>,
          <Button key="logout" onClick={session.logout}>
            {t('layout.logout')}
          </Button>,
        ]}
      />
    );
  if (!session.user) return <Navigate to={`/login?redirect=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (session.user.mustChangePassword) return <ForcedPasswordPage />;
  return <ConsoleLayout />;
}

/** The page for the current path, if the user's navigation has it (else not found) and it exists (else coming soon). */
function MenuPage() {
  const location = useLocation();
  const navigation = useNavigation();
  if (!navigation.loaded) return loading;
  const page = pagesOf(navigation.items).find((item) => item.path === location.pathname);
  if (!page) return <NotFoundPage />;
  const Page = pageRegistry[page.path];
  if (!Page) return <ComingSoonPage name={localName(page)} />;
  return (
    <Suspense fallback={loading}>
      <Page />
    </Suspense>
  );
}

function HomeRedirect() {
  const navigation = useNavigation();
  if (!navigation.loaded) return loading;
  const pages = pagesOf(navigation.items);
  const first = pages.find((page) => page.path === '/dashboard') ?? pages[0];
  return first ? <Navigate to={first.path} replace /> : <NotFoundPage />;
}

export function ConsoleApp() {
  const { i18n } = useTranslation();
  const english = i18n.language === 'en';
  useEffect(() => {
    dayjs.locale(english ? 'en' : 'zh-cn');
    document.documentElement.lang = english ? 'en' : 'zh-CN';
  }, [english]);

  return (
    <ConfigProvider locale={english ? enUS : zhCN} theme={{ token: { colorPrimary: '#1677ff' } }}>
      <AntApp>
        <FeedbackBridge />
        <BrowserRouter>
          <SessionProvider>
            <Routes>
              <Route path="/login" element={<LoginPage />} />
              <Route element={<RequireSession />}>
                <Route index element={<HomeRedirect />} />
                <Route path="/profile" element={<ProfilePage />} />
                <Route path="*" element={<MenuPage />} />
              </Route>
            </Routes>
          </SessionProvider>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
